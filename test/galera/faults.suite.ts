import { Store } from "../../server/store/store";
import { api, serveKeyform, type ServedKeyform } from "../support/cli";
import { freshGaleraDatabase, node, type GaleraDatabase } from "./cluster";

const ADMIN = "faults-operator-token-0123456789";
const HOT_LIMIT = 25;
const NAMES = 40;
const TEMP_KEYS = 4;
const CLIENTS_PER_REPLICA = 2;
/** Above the query deadline (15 s) plus the retry budget: a request may wait out a frozen node, never hang. */
const CLIENT_TIMEOUT_MS = 40_000;
const RECOVERY_MS = 90_000;

interface Outcome {
  replica: number;
  op: "create" | "revoke" | "verify";
  status: number; // 0: no HTTP answer (timeout, connection error)
  code?: string;
  started: number;
  ended: number;
  keyId?: string;
  name?: string;
  tempKey?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

/**
 * Clients write through all three replicas (one per node) while a node is cut off (SIGSTOP ~10 s, then
 * SIGCONT) and, later, another is killed (SIGKILL) and restarted. Afterwards the database is compared
 * with what the clients were told.
 */
export function describeGaleraFaults() {
  describe("a node cut off and a node killed while clients write through every replica", () => {
    let db: GaleraDatabase;
    let replicas: ServedKeyform[] = [];
    const outcomes: Outcome[] = [];
    const temps: Array<{ id: string; secret: string }> = [];
    const windows: Record<string, { from: number; to: number }> = {};

    const call = async (replica: number, method: string, path: string, body?: unknown) => {
      const res = await fetch(replicas[replica].endpoint + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    /** One client: creates keys under the hot account's limit and names, revokes its own, spends temp-key uses. */
    async function client(replica: number, stop: () => boolean) {
      const mine: string[] = [];
      while (!stop()) {
        const roll = Math.random();
        const op: Outcome["op"] = roll < 0.5 ? "create" : roll < 0.65 && mine.length ? "revoke" : "verify";
        const o: Outcome = { replica, op, status: 0, started: Date.now(), ended: 0 };
        try {
          if (op === "create") {
            o.name = `n-${Math.floor(Math.random() * NAMES)}`;
            const r = await call(replica, "POST", "/v1/accounts/hot/keys", { name: o.name });
            o.status = r.status;
            o.code = r.body?.code;
            if (r.status === 201) {
              o.keyId = r.body.key.id;
              mine.push(o.keyId!);
            }
          } else if (op === "revoke") {
            o.keyId = mine.splice(Math.floor(Math.random() * mine.length), 1)[0];
            const r = await call(replica, "DELETE", `/v1/accounts/hot/keys/${o.keyId}`);
            o.status = r.status;
            o.code = r.body?.code;
            if (r.status !== 204) mine.push(o.keyId);
          } else {
            o.tempKey = Math.floor(Math.random() * temps.length);
            const r = await call(replica, "POST", "/v1/verify", { key: temps[o.tempKey].secret });
            o.status = r.status;
            o.code = r.body?.code;
          }
        } catch (err) {
          o.code = String((err as Error).name ?? err);
        }
        o.ended = Date.now();
        outcomes.push(o);
        if (o.status === 503) await sleep(200); // as a client honouring Retry-After would, roughly
      }
    }

    /** Until a key can be created through `replica` (its node rejoined and the replica reconnected by itself). */
    async function recovered(replica: number, since: number): Promise<number> {
      for (let i = 0; Date.now() - since < RECOVERY_MS; i++) {
        const r = await call(replica, "POST", "/v1/accounts/probe/keys", { name: `probe-${replica}-${i}` }).catch(() => ({ status: 0, body: undefined }));
        if (r.status === 201) {
          await call(replica, "DELETE", `/v1/accounts/probe/keys/${r.body.key.id}`);
          return Date.now();
        }
        await sleep(500);
      }
      throw new Error(`replica ${replica} did not recover within ${RECOVERY_MS / 1000} s`);
    }

    /** Node 3 cut off for ~10 s, then node 2 killed and restarted; returns when each replica recovered. */
    async function injectFaults() {
      await sleep(3_000);
      // Node 3 (replica 2) cut off for ~10 s.
      windows.paused = { from: Date.now(), to: 0 };
      await node(3).pause();
      await sleep(10_000);
      await node(3).resume();
      windows.paused.to = Date.now();
      const pausedRecoveredAt = await recovered(2, windows.paused.to);
      await node(3).waitSynced();

      await sleep(2_000);
      // Node 2 (replica 1) killed, restarted a few seconds later.
      windows.killed = { from: Date.now(), to: 0 };
      await node(2).kill();
      await sleep(2_000);
      // Its replica leaves the load balancer's pool by itself: not ready while its node is down.
      const downReady = await call(1, "GET", "/readyz");
      await sleep(2_000);
      await node(2).start();
      windows.killed.to = Date.now();
      const killedRecoveredAt = await recovered(1, windows.killed.to);
      await sleep(3_000);
      return { pausedRecoveredAt, killedRecoveredAt, downReady };
    }

    beforeAll(async () => {
      db = await freshGaleraDatabase();
      replicas = await Promise.all(db.urls.map((url) => serveKeyform({ databaseUrl: url, env: { KEYFORM_ADMIN_TOKEN: ADMIN, KEYFORM_VERIFY_CACHE_TTL: "1000" } })));
      expect((await call(0, "POST", "/v1/accounts", { id: "hot", key_limit: HOT_LIMIT })).status).toBe(201);
      expect((await call(0, "POST", "/v1/accounts", { id: "probe", key_limit: 100 })).status).toBe(201);
      expect((await call(0, "POST", "/v1/accounts", { id: "temps" })).status).toBe(201);
      for (let i = 0; i < TEMP_KEYS; i++) {
        const r = await call(i % 3, "POST", "/v1/accounts/temps/keys", { name: `t${i}`, type: "temp" });
        expect(r.status).toBe(201);
        temps.push({ id: r.body.key.id, secret: r.body.secret });
      }
    }, 120_000);

    afterAll(async () => {
      for (const r of replicas) await r.stop("SIGTERM");
      await db?.drop();
    }, 60_000);

    it("no invariant breaks, no 5xx but 503, the others keep serving, the cut-off replica recovers, no acknowledged write is lost", async () => {
      let stopping = false;
      const clients = [0, 1, 2].flatMap((replica) => Array.from({ length: CLIENTS_PER_REPLICA }, () => client(replica, () => stopping)));

      let faults: Awaited<ReturnType<typeof injectFaults>>;
      try {
        faults = await injectFaults();
      } finally {
        // Whatever happened, the clients stop and the cluster is whole again for what follows.
        stopping = true;
        await Promise.all(clients);
        await node(3).resume().catch(() => undefined);
        await node(2).start().catch(() => undefined);
      }
      const { pausedRecoveredAt, killedRecoveredAt, downReady } = faults;

      // 1. Only answers a client may see: successes, the documented refusals, and 503 for an unavailable node.
      const unexpected = outcomes.filter((o) => ![200, 201, 204, 409, 503].includes(o.status));
      expect(unexpected).toEqual([]);
      for (const o of outcomes.filter((x) => x.status === 409)) expect(["KEY_LIMIT_REACHED", "NAME_TAKEN"]).toContain(o.code);
      for (const o of outcomes.filter((x) => x.status === 503)) expect(o.code).toBe("STORE_UNAVAILABLE");
      for (const o of outcomes.filter((x) => x.op === "verify" && x.status === 200)) expect(["VALID", "USAGE_EXCEEDED", "EXPIRED"]).toContain(o.code);

      // 2. The faults happened: the cut-off replica answered 503 or stalled while its node was frozen, and
      //    the killed node's replica answered 503 while it was down.
      const during = (o: Outcome, w: { from: number; to: number }) => o.started >= w.from && o.started <= w.to;
      const overlaps = (o: Outcome, w: { from: number; to: number }) => o.started <= w.to && o.ended >= w.from;
      expect(outcomes.some((o) => o.replica === 2 && overlaps(o, windows.paused) && (o.status === 503 || o.ended - o.started > 5_000))).toBe(true);
      expect(outcomes.some((o) => o.replica === 1 && during(o, windows.killed) && o.status === 503)).toBe(true);

      // 3. The other replicas kept serving through each fault.
      const served = (replica: number, w: { from: number; to: number }) => outcomes.some((o) => o.replica === replica && during(o, w) && o.status !== 503 && o.status !== 0);
      expect([served(0, windows.paused), served(1, windows.paused)]).toEqual([true, true]);
      expect([served(0, windows.killed), served(2, windows.killed)]).toEqual([true, true]);

      // 4. Both affected replicas recovered by themselves (no restart of keyform) and served writes again.
      expect(pausedRecoveredAt - windows.paused.to).toBeLessThan(RECOVERY_MS);
      expect(killedRecoveredAt - windows.killed.to).toBeLessThan(RECOVERY_MS);
      for (const [replica, after] of [[2, pausedRecoveredAt], [1, killedRecoveredAt]] as const) {
        expect(outcomes.some((o) => o.replica === replica && o.started > after && o.status >= 200 && o.status < 300)).toBe(true);
      }

      expect([downReady.status, downReady.body.code]).toEqual([503, "STORE_UNAVAILABLE"]);
      for (const replica of [0, 1, 2]) expect((await call(replica, "GET", "/readyz")).status).toBe(200);

      // 5. What the cluster holds, read through every node (they agree).
      await node(2).waitSynced();
      const views = [];
      for (const url of db.urls) {
        const store = await Store.open({ url });
        try {
          views.push({
            keys: (await store.manager.query("SELECT id, name, revoked_at FROM api_keys WHERE account_id = 'hot' ORDER BY id")) as Array<{ id: string; name: string; revoked_at: number | null }>,
            temps: (await store.manager.query("SELECT id, uses FROM api_keys WHERE account_id = 'temps' ORDER BY id")) as Array<{ id: string; uses: number }>,
          });
        } finally {
          await store.close();
        }
      }
      expect(views[1]).toEqual(views[0]);
      expect(views[2]).toEqual(views[0]);
      const { keys, temps: tempRows } = views[0];

      // 6. Invariants: the limit, unique names among active keys, at most 10 uses of a temp key.
      const active = keys.filter((k) => k.revoked_at === null);
      expect(active.length).toBeLessThanOrEqual(HOT_LIMIT);
      expect(new Set(active.map((k) => k.name)).size).toBe(active.length);
      for (const t of tempRows) expect(Number(t.uses)).toBeLessThanOrEqual(10);

      // 7. No acknowledged write lost: every 201 is a row with its name, every 204 a revoked row, and no
      //    temp key has fewer uses than the VALID answers the clients got for it.
      const byId = new Map(keys.map((k) => [k.id, k]));
      const created = outcomes.filter((o) => o.op === "create" && o.status === 201);
      const revoked = outcomes.filter((o) => o.op === "revoke" && o.status === 204);
      expect(created.length).toBeGreaterThan(HOT_LIMIT);
      expect(created.filter((o) => byId.get(o.keyId!)?.name !== o.name)).toEqual([]);
      expect(revoked.filter((o) => byId.get(o.keyId!)?.revoked_at === null || !byId.has(o.keyId!))).toEqual([]);
      for (const [i, t] of temps.entries()) {
        const valid = outcomes.filter((o) => o.op === "verify" && o.tempKey === i && o.code === "VALID").length;
        expect(Number(tempRows.find((r) => r.id === t.id)!.uses)).toBeGreaterThanOrEqual(valid);
      }
    }, 360_000);
  });
}
