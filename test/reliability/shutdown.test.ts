import http from "node:http";
import mysql from "mysql2/promise";
import { Store } from "../../server/store/store";
import { api, serveKeyform, type ServedKeyform } from "../support/cli";
import { freshDatabase, STORE_KINDS, type TestDatabase } from "../support/db";

const ADMIN = "shutdown-operator-token-0123456789";

async function rows(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const store = await Store.open({ url });
  try {
    return await store.manager.query(sql, params);
  } finally {
    await store.close();
  }
}

/** A POST whose body arrives in two parts, so that it is still in flight when the server is told to stop. */
function slowPost(endpoint: string, path: string, body: unknown): { sendRest: () => void; response: Promise<{ status: number; body: string }> } {
  const text = JSON.stringify(body);
  const url = new URL(endpoint + path);
  let req!: http.ClientRequest;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json", "content-length": Buffer.byteLength(text) } },
      (res) => {
        let data = "";
        res.on("data", (d) => (data += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on("error", reject);
    req.write(text.slice(0, 5));
  });
  return { sendRest: () => req.end(text.slice(5)), response };
}

describe.each(STORE_KINDS)("graceful shutdown on SIGTERM (%s)", (kind) => {
  let db: TestDatabase;
  let srv: ServedKeyform | null = null;
  beforeAll(async () => {
    db = await freshDatabase(kind);
  });
  afterEach(async () => {
    if (srv) {
      srv.assertNoSecretInLogs();
      await srv.stop("SIGKILL");
    }
    srv = null;
  });
  afterAll(() => db.drop());

  it("finishes in-flight requests, refuses new connections, flushes buffered usage and exits 0", async () => {
    srv = await serveKeyform({ databaseUrl: db.url, env: { KEYFORM_ADMIN_TOKEN: ADMIN } });
    const { endpoint } = srv;
    expect((await api(endpoint, ADMIN, "POST", "/v1/accounts", { id: "drain", key_limit: 100 })).status).toBe(201);
    const live = await api(endpoint, ADMIN, "POST", "/v1/accounts/drain/keys", { name: "counted" });
    expect(live.status).toBe(201);
    // Live-key uses are buffered in memory (flushed every second): these must reach the database on exit.
    const verified = await Promise.all(Array.from({ length: 25 }, () => api(endpoint, ADMIN, "POST", "/v1/verify", { key: live.body.secret })));
    expect(verified.every((r) => r.body.code === "VALID")).toBe(true);

    const inFlight = slowPost(endpoint, "/v1/accounts/drain/keys", { name: "in-flight" });
    const burst = Array.from({ length: 10 }, () => api(endpoint, ADMIN, "POST", "/v1/verify", { key: live.body.secret }));
    await new Promise((r) => setTimeout(r, 100));
    const exit = srv.stop("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    // Stopped accepting: a new connection is refused while the in-flight request is still open.
    await expect(fetch(`${endpoint}/healthz`, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow();
    inFlight.sendRest();
    const created = await inFlight.response;
    expect(created.status).toBe(201);
    const burstResults = await Promise.all(burst.map((p) => p.catch(() => null)));
    const burstValid = burstResults.filter((r) => r?.body?.code === "VALID").length;
    expect(burstValid).toBe(10);
    const t0 = Date.now();
    expect(await exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(srv.logs()).toContain("shutting down");

    const after = await rows(db.url, "SELECT name, uses FROM api_keys WHERE account_id = ? ORDER BY name", ["drain"]);
    expect(after.map((r) => r.name)).toEqual(["counted", "in-flight"]);
    expect(Number(after[0].uses)).toBe(25 + burstValid);
  });
});

describe("SIGTERM during an apply of a few hundred keys (MySQL)", () => {
  const N = 300;
  let db: TestDatabase;
  let srv: ServedKeyform | null = null;
  beforeAll(async () => {
    db = await freshDatabase("mysql");
  });
  afterAll(async () => {
    await srv?.stop("SIGKILL");
    await db.drop();
  });

  it("the apply completes (or rolls back) — never partial — and the process exits 0", async () => {
    srv = await serveKeyform({ databaseUrl: db.url, env: { KEYFORM_ADMIN_TOKEN: ADMIN } });
    expect((await api(srv.endpoint, ADMIN, "POST", "/v1/accounts", { id: "bulk", key_limit: 1000 })).status).toBe(201);
    const resources = Object.fromEntries(Array.from({ length: N }, (_, i) => [`k${i}`, { name: `key-${i}`, scopes: ["alerts:send"] }]));
    const config = { provider: { keyform: [{ account: "bulk" }] }, resource: { keyform_api_key: resources }, output: { first: { value: "${keyform_api_key.k0.secret}", sensitive: true } } };
    const plan = await api(srv.endpoint, ADMIN, "POST", "/v1/stacks/big/plans", { config });
    expect(plan.status).toBe(201);
    expect(plan.body.summary.add).toBe(N);

    const applying = api(srv.endpoint, ADMIN, "POST", `/v1/plans/${plan.body.id}/apply`, {}).catch((err: Error) => ({ status: 0, body: { error: err.message } }));
    // Signal as soon as the apply holds the stack's lock, i.e. while it writes.
    const u = new URL(db.url);
    const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || "root", database: u.pathname.slice(1) });
    const deadline = Date.now() + 10_000;
    let locked = false;
    try {
      while (!locked && Date.now() < deadline) {
        const [r] = await conn.query("SELECT lock_id FROM stacks WHERE name = 'big'");
        locked = Boolean((r as Array<{ lock_id: string | null }>)[0]?.lock_id);
        if (!locked) await new Promise((res) => setTimeout(res, 2));
      }
    } finally {
      await conn.end();
    }
    expect(locked).toBe(true);
    const t0 = Date.now();
    const exit = srv.stop("SIGTERM");
    const applied = await applying;
    const code = await exit;
    // Idle keep-alive connections must not hold the exit for their 65 s timeout.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(code).toBe(0);

    const keys = Number((await rows(db.url, "SELECT COUNT(*) AS n FROM api_keys WHERE account_id = 'bulk' AND stack = 'big'"))[0].n);
    const stack = (await rows(db.url, "SELECT serial, state, lock_id FROM stacks WHERE name = 'big'"))[0];
    const stateResources = stack ? (JSON.parse(String(stack.state)) as { resources: unknown[] }).resources.length : 0;
    expect([0, N]).toContain(keys);
    expect(stateResources).toBe(keys);
    expect(stack ? Number(stack.serial) : 0).toBe(keys === N ? 1 : 0);
    // A graceful stop lets the in-flight apply finish: it completed and its caller got the secrets.
    expect(applied.status).toBe(200);
    expect(keys).toBe(N);
    expect(stack.lock_id).toBeNull();
    expect(applied.body.resources.filter((r: { secret?: string }) => r.secret)).toHaveLength(N);
    expect(applied.body.outputs.first.value).toMatch(/^kf_live_/);
    srv.assertNoSecretInLogs();
  });
});
