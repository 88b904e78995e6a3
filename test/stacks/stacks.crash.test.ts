import mysql from "mysql2/promise";
import { freshDatabase, type TestDatabase } from "../support/db";
import { api, serveKeyform, type ServedKeyform } from "../support/cli";

const ADMIN = "crash-test-operator-token";
const N = 500;

function config() {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < N; i++) resources[`k${i}`] = { name: `key-${i}`, scopes: ["alerts:send"] };
  return { "//": { metadata: { stackName: "big" } }, provider: { keyform: [{ account: "bulk" }] }, resource: { keyform_api_key: resources } };
}

describe("SIGKILL in the middle of a 500-key apply (MySQL)", () => {
  let db: TestDatabase;
  let srv: ServedKeyform;
  let conn: mysql.Connection;
  beforeAll(async () => {
    db = await freshDatabase("mysql");
    srv = await serveKeyform({ databaseUrl: db.url, env: { KEYFORM_ADMIN_TOKEN: ADMIN } });
    const u = new URL(db.url);
    conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || "root", password: decodeURIComponent(u.password), database: u.pathname.slice(1) });
  });
  afterAll(async () => {
    await srv.stop("SIGKILL");
    await conn.end();
    await db.drop();
  });

  it("leaves the stack with all 500 keys or none, state matching the key rows, and no lock that blocks forever", async () => {
    expect((await api(srv.endpoint, ADMIN, "POST", "/v1/accounts", { id: "bulk", key_limit: 1000 })).status).toBe(201);
    const plan = await api(srv.endpoint, ADMIN, "POST", "/v1/stacks/big/plans", { config: config() });
    expect(plan.status).toBe(201);
    expect(plan.body.summary.add).toBe(N);

    const applying = fetch(`${srv.endpoint}/v1/plans/${plan.body.id}/apply`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: "{}" }).catch(() => null);
    // Kill the server as soon as the apply holds the stack lock, i.e. while it writes.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [rows] = await conn.query("SELECT lock_id FROM stacks WHERE name = 'big'");
      if ((rows as Array<{ lock_id: string | null }>)[0]?.lock_id) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    await srv.stop("SIGKILL");
    await applying;

    srv = await serveKeyform({ databaseUrl: db.url, env: { KEYFORM_ADMIN_TOKEN: ADMIN } });
    const [keyRows] = await conn.query("SELECT COUNT(*) AS n FROM api_keys WHERE account_id = 'bulk' AND stack = 'big'");
    const keys = Number((keyRows as Array<{ n: number }>)[0].n);
    const [stackRows] = await conn.query("SELECT serial, state, lock_id FROM stacks WHERE name = 'big'");
    const stack = (stackRows as Array<{ serial: number; state: string; lock_id: string | null }>)[0];
    const stateResources = stack ? (JSON.parse(stack.state) as { resources: unknown[] }).resources.length : 0;
    expect([0, N]).toContain(keys);
    expect(stateResources).toBe(keys);
    expect(stack ? Number(stack.serial) : 0).toBe(keys === N ? 1 : 0);

    if (keys === 0) {
      // The crashed apply's lock is still there: Terraform-style, it is reported and can be force-unlocked.
      const again = await api(srv.endpoint, ADMIN, "POST", `/v1/plans/${plan.body.id}/apply`, {});
      if (again.status === 409 && again.body.code === "STACK_LOCKED") {
        const unlock = await api(srv.endpoint, ADMIN, "DELETE", "/v1/stacks/big/lock", { lock_id: again.body.lock.id });
        expect(unlock.status).toBe(200);
        const retry = await api(srv.endpoint, ADMIN, "POST", `/v1/plans/${plan.body.id}/apply`, {});
        expect(retry.status).toBe(200);
      } else {
        expect(again.status).toBe(200);
      }
      const [after] = await conn.query("SELECT COUNT(*) AS n FROM api_keys WHERE account_id = 'bulk' AND stack = 'big'");
      expect(Number((after as Array<{ n: number }>)[0].n)).toBe(N);
    }
  });
});
