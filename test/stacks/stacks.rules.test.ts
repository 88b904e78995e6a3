import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

const cfg = (resources: Record<string, unknown>) => ({
  "//": { metadata: { stackName: "rules" } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: resources },
});

describe.each(STORE_KINDS)("stack rules on %s: plan expiry, lease expiry, who may plan and apply", (kind) => {
  let h: Harness;
  let now = Date.now();
  let reader: string;
  let manager: string;
  beforeAll(async () => {
    h = await Harness.start(kind, { clock: () => now });
    await h.account("acme");
    await h.account("other");
    reader = (await h.key("acme", { name: "reader", scopes: ["keys:read"] })).secret;
    manager = (await h.key("acme", { name: "manager", scopes: ["keys:manage"] })).secret;
  });
  afterAll(() => h.close());

  it("refuses to apply a plan older than 24 hours (PLAN_EXPIRED)", async () => {
    const p = await h.as().post("/v1/stacks/rules/plans", { config: cfg({ a: { name: "a" } }) });
    expect(p.status).toBe(201);
    now += 24 * 3600_000 + 1;
    const late = await h.as().post(`/v1/plans/${p.body.id}/apply`, {});
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("PLAN_EXPIRED");
    expect((await h.as().get("/v1/accounts/acme/keys?status=active")).body.keys.map((k: { name: string }) => k.name)).not.toContain("a");
  });

  it("lets an apply through once a crashed operation's lease has expired", async () => {
    const first = await h.as().post("/v1/stacks/rules/plans", { config: cfg({ a: { name: "a" } }) });
    expect((await h.as().post(`/v1/plans/${first.body.id}/apply`, {})).status).toBe(200);
    // A lock whose holder died: nobody renews it.
    await h.store.write((tx) => tx.query("UPDATE stacks SET lock_id = ?, lock_operation = ?, lock_who = ?, lock_created_at = ?, lock_expires_at = ? WHERE name = ?", [
      "22222222-2222-4222-8222-222222222222", "OperationTypeApply", "crashed@127.0.0.1", now, now + 30_000, "rules"]));
    const p = await h.as().post("/v1/stacks/rules/plans", { config: cfg({ a: { name: "a" }, b: { name: "b" } }) });
    expect((await h.as().post(`/v1/plans/${p.body.id}/apply`, {})).body.code).toBe("STACK_LOCKED");
    now += 30_001;
    const after = await h.as().post(`/v1/plans/${p.body.id}/apply`, {});
    expect(after.status).toBe(200);
    expect(after.body.serial).toBe(2);
  });

  it("an account key plans with keys:read, applies with keys:manage, and only within its own account", async () => {
    const mine = (resources: Record<string, unknown>) => ({ ...cfg(resources), "//": { metadata: { stackName: "mine" } } });
    const own = await h.as(reader).post("/v1/stacks/mine/plans", { config: mine({ m1: { name: "m1" }, m2: { name: "m2" } }) });
    expect(own.status).toBe(201);
    const denied = await h.as(reader).post(`/v1/plans/${own.body.id}/apply`, {});
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("FORBIDDEN");
    expect((await h.as(manager).post(`/v1/plans/${own.body.id}/apply`, {})).status).toBe(200);

    // Another account reads exactly like one that does not exist: the plan fails with the same diagnostic.
    const refusedAs = async (account: string) => {
      const res = await h.as(manager).post("/v1/stacks/mine/plans", { config: mine({ m1: { name: "m1" }, m2: { name: "m2" }, x: { name: "x", account } }) });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("PLAN_FAILED");
      return res.body.diagnostics.filter((d: { severity: string }) => d.severity === "error").map((d: { summary: string; detail: string }) => [d.summary, d.detail.replace(account, "ACCOUNT")]);
    };
    expect(await refusedAs("other")).toEqual(await refusedAs("ghost"));
    expect((await h.as().post("/v1/stacks/spanning/plans", { config: cfg({ x: { name: "x", account: "other" }, y: { name: "y" } }) })).status).toBe(201);
  });

  it("refuses a resource address longer than keyform stores (a huge for_each key) at plan time", async () => {
    const long = "k".repeat(600);
    const res = await h.as().post("/v1/stacks/long/plans", { config: { provider: { keyform: [{ account: "acme" }] }, resource: { keyform_api_key: { k: { for_each: { [long]: "x" }, name: "long-${each.value}" } } } } });
    expect(res.status).toBe(422);
    expect(res.body.diagnostics.map((d: { summary: string }) => d.summary)).toContain("Resource address too long");
  });
});
