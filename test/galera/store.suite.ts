import { randomBytes } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { Account } from "../../server/accounts/account.entity";
import { AccountRepository } from "../../server/accounts/account.repository";
import { AppError, refuse } from "../../server/errors/app-error";
import type { ApiKey } from "../../server/keys/key.entity";
import { checkLimits } from "../../core/keys/limits";
import { KeyRepository } from "../../server/keys/key.repository";
import { randomBase62 } from "../../core/keys/secret-format";
import { MIGRATIONS } from "../../server/store/registry";
import { Store } from "../../server/store/store";
import { freshDatabase } from "../support/db";
import { freshGaleraDatabase, type GaleraDatabase } from "./cluster";

const now = Date.now();

function newKey(accountId: string, name: string): { key: ApiKey; hash: string } {
  return {
    hash: randomBytes(32).toString("hex"),
    key: {
      id: `key_${randomBase62(24)}`, accountId, name, type: "live", masked: "kf_live_test…test", scopes: [], createdAt: now, expiresIn: null,
      expiresAt: null, revokedAt: null, lastUsedAt: null, uses: 0, maxUses: null, generation: 1, stack: null, stackAddress: null,
    },
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type Claim = (tx: EntityManager, store: Store, accountId: string) => Promise<Account | null>;

/** What keyform did before: lock the account row with `SELECT … FOR UPDATE`, write nothing to it. */
const selectForUpdate: Claim = async (tx, store, id) => {
  await tx.query("SELECT id FROM accounts WHERE id = ? FOR UPDATE", [id]);
  return new AccountRepository(store).find(id, tx);
};
/** What keyform does now. */
const lockForKeyChange: Claim = (tx, store, id) => new AccountRepository(store).lockForKeyChange(tx, id);

/** keyform's store (not its HTTP layer) on the cluster: the mechanisms the invariants rest on. */
export function describeGaleraStore() {
  describe("keyform's store on a 3-node Galera cluster", () => {
    let db: GaleraDatabase;
    let stores: Store[] = [];

    beforeAll(async () => {
      db = await freshGaleraDatabase();
      // One store per node, opened at once: their migrations race across nodes.
      stores = await Promise.all(db.urls.map((url) => Store.open({ url })));
    }, 120_000);
    afterAll(async () => {
      for (const s of stores) await s.close();
      await db?.drop();
    });

    /**
     * Two transactions on two nodes, each of which counts 9 keys on an account with limit 10 before
     * either of them inserts (a barrier holds the first attempt of each until both have counted).
     */
    async function raceForTheTenthKey(claim: Claim, account: string) {
      await stores[0].write(async (tx) => {
        await new AccountRepository(stores[0]).insert(tx, { id: account, name: null, keyLimit: 10, maxExpiry: null, createdAt: now, updatedAt: now });
        await new KeyRepository(stores[0]).insert(tx, Array.from({ length: 9 }, (_, i) => newKey(account, `k${i}`)));
      });
      const counted = [deferred(), deferred()];
      const bothCounted = Promise.all(counted.map((d) => d.promise));
      const attempts = [0, 0];
      const outcomes = await Promise.all(
        [0, 1].map(async (i) => {
          const store = stores[i];
          try {
            await store.write(async (tx) => {
              attempts[i]++;
              const acc = await claim(tx, store, account);
              const counts = await new KeyRepository(store).countActive(account, now, tx);
              if (attempts[i] === 1) {
                counted[i].resolve();
                await bothCounted;
              }
              refuse(checkLimits({ account, keyLimit: acc!.keyLimit, tempKeyCap: 5 }, counts, [{ op: "take", type: "live" }]).map((r) => r.violation));
              await new KeyRepository(store).insert(tx, [newKey(account, `tenth-${i}`)]);
            });
            return "created";
          } catch (err) {
            return err instanceof AppError ? err.code : String(err);
          }
        }),
      );
      // Read through the third node: what the cluster holds.
      const keys = (await new KeyRepository(stores[2]).countActive(account, now)).keys;
      return { outcomes, attempts, keys };
    }

    it("the old SELECT … FOR UPDATE lets two nodes both add the 10th key (11 keys, no error): the lock is local to one node", async () => {
      const race = await raceForTheTenthKey(selectForUpdate, "old-pattern");
      expect(race.outcomes).toEqual(["created", "created"]);
      expect(race.attempts).toEqual([1, 1]); // nothing conflicted, so nothing was retried
      expect(race.keys).toBe(11);
    });

    it("writing the account row (lockForKeyChange) makes the later commit conflict; its retry sees 10 keys and refuses", async () => {
      const race = await raceForTheTenthKey(lockForKeyChange, "new-pattern");
      expect([...race.outcomes].sort()).toEqual(["KEY_LIMIT_REACHED", "created"]);
      const loser = race.outcomes.indexOf("KEY_LIMIT_REACHED");
      // Its first attempt was rolled back by the conflict (1213); the retry ran the whole transaction again.
      expect(race.attempts[loser]).toBeGreaterThanOrEqual(2);
      expect(race.attempts[1 - loser]).toBe(1);
      expect(race.keys).toBe(10);
    });

    it("detects Galera and makes every pooled session wait for causality (wsrep_sync_wait = 1); a plain MariaDB is left alone", async () => {
      expect(stores.map((s) => s.galera)).toEqual([true, true, true]);
      // Ten queries at once hold ten pooled connections.
      const rows: Array<Array<{ w: number; c: number }>> = await Promise.all(
        Array.from({ length: 10 }, () => stores[1].manager.query("SELECT @@session.wsrep_sync_wait AS w, CONNECTION_ID() AS c, SLEEP(0.2) AS s")),
      );
      expect(new Set(rows.map((r) => Number(r[0].c))).size).toBeGreaterThan(1);
      expect(rows.map((r) => Number(r[0].w))).toEqual(Array(10).fill(1));
      const plain = await freshDatabase("mysql");
      const single = await Store.open({ url: plain.url });
      try {
        expect(single.galera).toBe(false);
      } finally {
        await single.close();
        await plain.drop();
      }
    });

    it("a write committed through one node is read at once through the others (300 of 300)", async () => {
      await stores[0].write((tx) => new AccountRepository(stores[0]).insert(tx, { id: "ryw", name: "v-1", keyLimit: 10, maxExpiry: null, createdAt: now, updatedAt: now }));
      let stale = 0;
      for (let i = 0; i < 300; i++) {
        const writer = stores[i % 3];
        await writer.write((tx) => new AccountRepository(writer).update(tx, "ryw", { name: `v${i}` }, now));
        const seen = await new AccountRepository(stores[(i + 1) % 3]).find("ryw");
        if (seen?.name !== `v${i}`) stale++;
      }
      expect(stale).toBe(0);
    });

    it("six replicas starting at once on three nodes run each migration exactly once", async () => {
      const fresh = await freshGaleraDatabase();
      const opened = await Promise.allSettled([...fresh.urls, ...fresh.urls].map((url) => Store.open({ url })));
      try {
        expect(opened.map((o) => o.status)).toEqual(Array(6).fill("fulfilled"));
        const ok = opened.map((o) => (o as PromiseFulfilledResult<Store>).value);
        const ran: Array<{ name: string }> = await ok[5].manager.query("SELECT name FROM keyform_migrations ORDER BY id");
        expect(ran.map((r) => r.name)).toEqual(MIGRATIONS.map((M) => new M().name));
        expect(await ok[4].manager.query("SELECT * FROM keyform_migration_lease")).toEqual([]);
        for (const s of ok) expect(await s.pendingMigrations()).toBe(false);
        // And the schema is whole on every node.
        for (const s of ok.slice(0, 3)) expect(await s.manager.query("SELECT version FROM accounts LIMIT 1")).toEqual([]);
      } finally {
        for (const o of opened) if (o.status === "fulfilled") await o.value.close();
        await fresh.drop();
      }
    }, 120_000);
  });
}
