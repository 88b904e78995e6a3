import mysql from "mysql2/promise";
import request from "supertest";
import { createApp, type App } from "../../server/app";
import { DEFAULT_SETTINGS, type Settings } from "../../server/config";
import { buildServices, type Services } from "../../server/container";
import { createLogger } from "../../server/logging/logger";
import { Store } from "../../server/store/store";
import { freshDatabase, type TestDatabase } from "../support/db";
import { ADMIN_TOKEN, LogCapture } from "../support/harness";
import { SecretLedger } from "../support/secrets";
import { TcpProxy } from "../support/tcp-proxy";

// keyform on MySQL through a proxy this file controls; the shared MySQL server itself is never touched.
// A refused request must answer 503 STORE_UNAVAILABLE quickly, and keyform must recover by itself.
const OUTAGE_ANSWER_MS = 4_000;

describe("MySQL outage through a TCP proxy", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let store: Store;
  let services: Services;
  let app: App;
  const logs = new LogCapture();
  const secrets = new SecretLedger();
  let live: { id: string; secret: string };

  const as = () => ({
    get: (p: string) => request(app).get(p).set("authorization", `Bearer ${ADMIN_TOKEN}`).timeout(20_000),
    post: (p: string, body: object = {}) => request(app).post(p).set("authorization", `Bearer ${ADMIN_TOKEN}`).send(body).timeout(20_000),
  });
  const timed = async <T>(fn: () => Promise<T>) => {
    const started = Date.now();
    const result = await fn();
    return { result, ms: Date.now() - started };
  };
  const usesInDb = async () => {
    const admin = await Store.open({ url: db.url });
    try {
      const rows = await admin.manager.query("SELECT uses FROM api_keys WHERE id = ?", [live.id]);
      return Number(rows[0].uses);
    } finally {
      await admin.close();
    }
  };
  async function expectUnavailable(res: request.Response, ms: number) {
    expect(ms).toBeLessThan(OUTAGE_ANSWER_MS);
    expect(res.status).toBe(503);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe("STORE_UNAVAILABLE");
    expect(res.headers["retry-after"]).toBe("1");
  }
  async function waitForRecovery() {
    const deadline = Date.now() + 15_000;
    for (let i = 0; i < 100 && Date.now() < deadline; i++) {
      const res = await as().get("/v1/accounts/outage");
      if (res.status === 200) return;
      expect(res.status).toBe(503);
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error("keyform did not recover within 15 s of the database coming back");
  }

  beforeAll(async () => {
    db = await freshDatabase("mysql");
    const url = new URL(db.url);
    proxy = await TcpProxy.start(url.hostname, Number(url.port || 3306));
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    store = await Store.open({ url: url.toString(), connectTimeoutMs: 1_500, queryTimeoutMs: 2_000 });
    const settings: Settings = { ...DEFAULT_SETTINGS, adminToken: ADMIN_TOKEN, usageFlushMs: 200 };
    services = buildServices(store, settings, createLogger({ destination: logs, level: "debug" }));
    app = createApp(services);
    const acct = await as().post("/v1/accounts", { id: "outage", key_limit: 100 });
    expect(acct.status).toBe(201);
    const made = await as().post("/v1/accounts/outage/keys", { name: "live-one" });
    expect(made.status).toBe(201);
    secrets.addFromBody(made.body);
    live = { id: made.body.key.id, secret: made.body.secret };
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    proxy.restore();
    await services.shutdown().catch(() => undefined);
    await store.close().catch(() => undefined);
    await proxy.close();
    await db.drop();
    secrets.assertNotIn(logs.text, "the logs of the outage test");
  });

  it.each(["refuse", "blackhole"] as const)("database %s → 503 STORE_UNAVAILABLE fast, /readyz 503, /healthz 200; back → recovers without restart", async (mode) => {
    expect((await as().get("/readyz")).status).toBe(200);
    expect((await as().get("/v1/accounts/outage")).status).toBe(200);
    proxy.cut(mode);

    for (const call of [
      () => as().get("/v1/accounts/outage"),
      () => as().get("/v1/accounts/outage/keys"),
      () => as().post("/v1/accounts/outage/keys", { name: `during-${mode}` }),
      () => as().post("/v1/accounts", { id: `new-${mode}` }),
      () => as().get("/readyz"),
    ]) {
      const { result, ms } = await timed(call);
      await expectUnavailable(result, ms);
    }
    const health = await timed(() => request(app).get("/healthz"));
    expect(health.result.status).toBe(200);
    expect(health.ms).toBeLessThan(500);
    // Several at once must all answer, not queue behind each other for ever.
    const { result: burst, ms } = await timed(() => Promise.all(Array.from({ length: 12 }, () => as().get("/v1/accounts/outage/keys"))));
    expect(burst.map((r) => r.status)).toEqual(Array(12).fill(503));
    expect(ms).toBeLessThan(2 * OUTAGE_ANSWER_MS);

    proxy.restore();
    await waitForRecovery();
    expect((await as().get("/readyz")).status).toBe(200);
    const created = await as().post("/v1/accounts/outage/keys", { name: `after-${mode}` });
    expect(created.status).toBe(201);
    secrets.addFromBody(created.body);
    // A create refused during the outage left nothing behind.
    const names = (await as().get("/v1/accounts/outage/keys")).body.keys.map((k: { name: string }) => k.name);
    expect(names).not.toContain(`during-${mode}`);
    expect((await as().get("/v1/accounts/new-" + mode)).status).toBe(404);
  });

  it("usage counted while the database is away is written once it is back (the recorder re-queues)", async () => {
    await services.usage.flush();
    const before = await usesInDb();
    // Warm this replica's verification cache, then take the database away while it still answers from it.
    const first = await as().post("/v1/verify", { key: live.secret });
    expect(first.body.code).toBe("VALID");
    proxy.cut("refuse");
    let valid = 1;
    for (let i = 0; i < 5; i++) {
      const res = await as().post("/v1/verify", { key: live.secret });
      if (res.status === 200 && res.body.code === "VALID") valid++;
      else expect(res.status).toBe(503);
    }
    expect(valid).toBeGreaterThan(1);
    // Flushes fail during the outage; the counts stay queued.
    await expect(services.usage.flush()).rejects.toBeDefined();
    await new Promise((r) => setTimeout(r, 500));
    expect(services.usage.pending(live.id).uses).toBe(valid);
    proxy.restore();
    await waitForRecovery();
    const deadline = Date.now() + 10_000;
    let uses = await usesInDb();
    while (uses < before + valid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      uses = await usesInDb();
    }
    expect(uses).toBe(before + valid);
    expect(services.usage.pending(live.id).uses).toBe(0);
    const details = await as().get(`/v1/accounts/outage/keys/${live.id}`);
    expect(details.body.key.uses).toBe(before + valid);
  });

  it("the database cut in the middle of a 300-key apply → nothing partial; the stack unlocks and applies once back", async () => {
    const N = 300;
    const resources = Object.fromEntries(Array.from({ length: N }, (_, i) => [`k${i}`, { name: `bulk-${i}` }]));
    expect((await as().post("/v1/accounts", { id: "bulk", key_limit: 1000 })).status).toBe(201);
    const plan = await as().post("/v1/stacks/cut/plans", { config: { provider: { keyform: [{ account: "bulk" }] }, resource: { keyform_api_key: resources } } });
    expect(plan.status).toBe(201);
    const u = new URL(db.url);
    const direct = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || "root", database: u.pathname.slice(1) });
    const count = async () => {
      const [k] = await direct.query("SELECT COUNT(*) AS n FROM api_keys WHERE stack = 'cut'");
      const [st] = await direct.query("SELECT serial, state, lock_id FROM stacks WHERE name = 'cut'");
      const stack = (st as Array<{ serial: number; state: string; lock_id: string | null }>)[0];
      return { keys: Number((k as Array<{ n: number }>)[0].n), serial: stack ? Number(stack.serial) : 0, stateResources: stack ? JSON.parse(stack.state).resources.length : 0, lock: stack?.lock_id ?? null };
    };
    try {
      const applying = as().post(`/v1/plans/${plan.body.id}/apply`, {});
      const deadline = Date.now() + 10_000;
      while ((await count()).lock === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      proxy.cut("refuse");
      const res = await applying;
      const during = await count();
      if (res.status === 200) {
        // It committed just before the cut: all of it.
        expect(during).toMatchObject({ keys: N, serial: 1, stateResources: N });
        return;
      }
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("STORE_UNAVAILABLE");
      expect(during).toMatchObject({ keys: 0, serial: 0, stateResources: 0 });
      proxy.restore();
      await waitForRecovery();
      // The lease the apply took may still be there (releasing it needed the database): it is reported
      // with its id and can be force-unlocked, as in Terraform; otherwise it expires by itself.
      let again = await as().post(`/v1/plans/${plan.body.id}/apply`, {});
      if (again.status === 409 && again.body.code === "STACK_LOCKED") {
        const unlock = await request(app).delete("/v1/stacks/cut/lock").set("authorization", `Bearer ${ADMIN_TOKEN}`).send({ lock_id: again.body.lock.id });
        expect(unlock.status).toBeLessThan(300);
        again = await as().post(`/v1/plans/${plan.body.id}/apply`, {});
      }
      expect(again.status).toBe(200);
      for (const r of again.body.resources) secrets.addFromBody(r);
      expect(await count()).toMatchObject({ keys: N, serial: 1, stateResources: N, lock: null });
    } finally {
      await direct.end();
    }
  });
});
