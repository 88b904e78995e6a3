import { DataSource } from "typeorm";
import { withMigrationLease } from "../../server/store/migration-lease";
import { freshDatabase, type TestDatabase } from "../support/db";

// The lease that makes replicas take turns at running migrations (on one MySQL and on Galera, where
// GET_LOCK is local to one node). Tested here on the suite's MySQL; test/galera races it across nodes.
describe("migration lease on MySQL", () => {
  let db: TestDatabase;
  let ds: DataSource;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    db = await freshDatabase("mysql");
    const u = new URL(db.url);
    ds = new DataSource({ type: "mariadb", host: u.hostname, port: Number(u.port || 3306), username: decodeURIComponent(u.username) || "root", password: decodeURIComponent(u.password), database: u.pathname.slice(1) });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const leaseRows = () => ds.query("SELECT name, holder, expires_at FROM keyform_migration_lease");

  it("holders take turns: four at once never overlap, each runs once, and the row is gone afterwards", async () => {
    let inside = 0;
    let most = 0;
    const ran: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        withMigrationLease(
          ds,
          async () => {
            most = Math.max(most, ++inside);
            await sleep(150);
            ran.push(i);
            inside--;
          },
          { pollMs: 20 },
        ),
      ),
    );
    expect(most).toBe(1);
    expect(ran.sort()).toEqual([0, 1, 2, 3]);
    expect(await leaseRows()).toEqual([]);
  });

  it("waits for a live holder and gives up after waitMs without running anything", async () => {
    await ds.query("INSERT INTO keyform_migration_lease (name, holder, expires_at) VALUES ('migrations', 'someone-else', ?)", [Date.now() + 60_000]);
    let ran = false;
    await expect(withMigrationLease(ds, async () => void (ran = true), { waitMs: 300, pollMs: 50 })).rejects.toThrow(/waiting for another replica's migrations/);
    expect(ran).toBe(false);
    expect((await leaseRows())[0].holder).toBe("someone-else");
    await ds.query("DELETE FROM keyform_migration_lease");
  });

  it("takes over the lease of a holder that died (expired), and a failing run still releases it", async () => {
    await ds.query("INSERT INTO keyform_migration_lease (name, holder, expires_at) VALUES ('migrations', 'crashed', ?)", [Date.now() - 1]);
    let holderSeen = "";
    await expect(
      withMigrationLease(ds, async () => {
        holderSeen = (await leaseRows())[0].holder;
        throw new Error("migration failed");
      }),
    ).rejects.toThrow("migration failed");
    expect(holderSeen).not.toBe("crashed");
    expect(holderSeen).toMatch(/^[0-9a-f-]{36}$/);
    expect(await leaseRows()).toEqual([]);
  });

  it("renews its lease while the run lasts, so a slow migration is not taken over", async () => {
    const expiries: number[] = [];
    await withMigrationLease(
      ds,
      async () => {
        for (let i = 0; i < 4; i++) {
          expiries.push(Number((await leaseRows())[0].expires_at));
          await sleep(150);
        }
      },
      { ttlMs: 300 },
    );
    // ttl 300 ms, renewed every 100 ms: the expiry moved forward while the run outlived the first ttl.
    expect(expiries[3]).toBeGreaterThan(expiries[0]);
    expect(expiries[3]).toBeGreaterThan(Date.now() - 200);
  });
});
