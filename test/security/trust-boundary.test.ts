import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

/** One regression test per attack of the trust-boundary issue (#11), on both stores. */
const cfg = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}, account = "acme") => ({
  provider: { keyform: [{ account }] },
  resource: { keyform_api_key: resources },
  ...extra,
});

describe.each(STORE_KINDS)("trust boundary on %s", (kind) => {
  let h: Harness;
  let manage: string;
  let strong: { id: string; secret: string };
  beforeAll(async () => {
    h = await Harness.start(kind, { settings: { metricsToken: "metrics-token-0123456789abcdef" } });
    await h.account("acme", { key_limit: 100 });
    await h.account("evil", { key_limit: 100 });
    manage = (await h.key("acme", { name: "manager", scopes: ["keys:manage"] })).secret;
    const s = await h.key("acme", { name: "billing", scopes: ["keys:manage", "keys:verify", "billing:admin"] });
    strong = { id: s.key.id, secret: s.secret };
  });
  afterAll(() => h.close());

  it("1. a key cannot regenerate a stronger key: refused, and the holder keeps working", async () => {
    const res = await h.as(manage).post(`/v1/accounts/acme/keys/${strong.id}/regenerate`, {});
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("FORBIDDEN");
    expect(res.body).not.toHaveProperty("secret");
    expect((await h.verify(strong.secret)).body).toMatchObject({ valid: true, key_id: strong.id });
  });

  it("2. an account key cannot apply (or see) a plan the operator left, nor one granting more than it holds", async () => {
    const config = cfg({ admin: { name: "admin-2", scopes: ["billing:admin", "keys:manage"] } });
    const mine = await h.as().post("/v1/stacks/billing/plans", { config });
    expect(mine.status).toBe(201);
    expect((await h.as(manage).get("/v1/stacks/billing")).status).toBe(404);
    const stolen = await h.as(manage).post(`/v1/plans/${mine.body.id}/apply`, {});
    expect([stolen.status, stolen.body.code]).toEqual([404, "NOT_FOUND"]);
    expect(stolen.body.detail).toBe(`Plan ${mine.body.id} not found`);

    // Left in acme's own namespace, it is acme's to apply — by a key that could make the same key by hand.
    const left = await h.as().post("/v1/stacks/billing/plans?owner=acme", { config });
    const weak = await h.as(manage).post(`/v1/plans/${left.body.id}/apply`, {});
    expect([weak.status, weak.body.code]).toEqual([403, "FORBIDDEN"]);
    expect(JSON.stringify(weak.body)).not.toMatch(/kf_live_/);
    expect((await h.as().get("/v1/accounts/acme/keys?status=active")).body.keys.map((k: { name: string }) => k.name)).not.toContain("admin-2");
    // Planning was a read; the plan says who can apply it.
    expect(left.body.applier).toMatchObject({ accounts: ["acme"], scopes: ["billing:admin", "keys:manage"], creates_keys: true });
    expect((await h.as().post(`/v1/plans/${mine.body.id}/apply`, {})).status).toBe(200);
    const byStrong = await h.as(strong.secret).post(`/v1/plans/${left.body.id}/apply`, {});
    expect(byStrong.status).toBe(409); // NAME_TAKEN: the operator's own plan made admin-2 meanwhile; nothing partial
    expect(byStrong.body.code).toBe("NAME_TAKEN");
  });

  it("3. a plan reads another account's keys exactly like missing ones: data sources by id and name, imports", async () => {
    const victim = await h.key("acme", { name: "victim-key", scopes: ["alerts:send"] });
    const MISSING = "key_000000000000000000000000";
    const peek = async (id: string) =>
      h.as((await h.key("evil", { name: `peeker-${id.slice(-6)}-${Math.random().toString(36).slice(2, 8)}`, scopes: ["keys:read"] })).secret).post("/v1/stacks/peek/plans", {
        config: { data: { keyform_api_key: { peek: { id } } }, output: { name: { value: "${data.keyform_api_key.peek.name}" } } },
      });
    const [foreign, missing] = [await peek(victim.key.id), await peek(MISSING)];
    const shape = (r: { status: number; body: { code: string; diagnostics: Array<{ summary: string; detail: string }> } }, id: string) => [r.status, r.body.code, r.body.diagnostics.map((d) => [d.summary, d.detail.replace(id, "ID")])];
    expect(shape(foreign, victim.key.id)).toEqual(shape(missing, MISSING));
    expect(JSON.stringify(foreign.body)).not.toContain("victim-key");

    // By name, in an account the plan may not read: the same answer before and after the key exists.
    const byName = () => h.as(manage).post("/v1/stacks/x/plans", { config: { provider: { keyform: [{ account: "evil" }] }, data: { keyform_api_key: { n: { name: "evil-secret" } } } } });
    const before = await byName();
    await h.key("evil", { name: "evil-secret", scopes: [] });
    const after = await byName();
    expect([after.status, after.body.diagnostics]).toEqual([before.status, before.body.diagnostics]);

    const importOf = async (id: string) => {
      const evilReader = (await h.key("evil", { name: `imp-${Math.random().toString(36).slice(2, 8)}`, scopes: ["keys:read"] })).secret;
      return h.as(evilReader).post("/v1/stacks/imp/plans", { config: cfg({ t: { name: "t" } }, { import: [{ to: "keyform_api_key.t", id }] }, "evil") });
    };
    const [impForeign, impMissing] = [await importOf(victim.key.id), await importOf(MISSING)];
    expect(shape(impForeign, victim.key.id)).toEqual(shape(impMissing, MISSING));
    expect(JSON.stringify(impForeign.body)).not.toContain("victim-key");
  });

  it("6. a temp key mints nothing: no create, regenerate or import, whatever its scopes", async () => {
    const temp = (await h.key("acme", { name: "temp-6", type: "temp", scopes: ["keys:manage", "alerts:send"] })).secret;
    const create = await h.as(temp).post("/v1/accounts/acme/keys", { name: "minted", scopes: ["alerts:send"], expires_in: "never" });
    expect([create.status, create.body.code, create.body.detail]).toEqual([403, "FORBIDDEN", "A temp key cannot create keys."]);
    const weak = await h.key("acme", { name: "weak-6", scopes: ["alerts:send"], expires_in: "30d" });
    const regen = await h.as(temp).post(`/v1/accounts/acme/keys/${weak.key.id}/regenerate`, {});
    expect(regen.status).toBe(403);
    const imp = await h.as(temp).post("/v1/accounts/acme/keys/import", { name: "imported-6", secret: "0b0b0b0b-6bab-43d7-b01d-cc74eeb9759b" });
    expect(imp.status).toBe(403);
    const plan = await h.as().post("/v1/stacks/temp6/plans?owner=acme", { config: cfg({ k: { name: "via-plan-6", scopes: ["alerts:send"], expires_in: "30d" } }) });
    expect((await h.as(temp).post(`/v1/plans/${plan.body.id}/apply`, {})).status).toBe(403);
  });

  it("7. stack names belong to their owner: another tenant can neither block nor detect them", async () => {
    const evilManage = (await h.key("evil", { name: "evil-manage", scopes: ["keys:manage"] })).secret;
    const squat = await h.as(evilManage).post("/v1/stacks/victim-prod/plans", { config: cfg({ s: { name: "squat" } }, {}, "evil") });
    expect((await h.as(evilManage).post(`/v1/plans/${squat.body.id}/apply`, {})).status).toBe(200);
    const victimPlan = await h.as(manage).post("/v1/stacks/victim-prod/plans", { config: cfg({ p: { name: "prod-key" } }) });
    expect(victimPlan.status).toBe(201);
    expect(victimPlan.body).toMatchObject({ stack: "victim-prod", owner: "acme", serial: 0 });
    expect((await h.as(manage).post(`/v1/plans/${victimPlan.body.id}/apply`, {})).status).toBe(200);
    expect((await h.as(manage).get("/v1/stacks/victim-prod")).body.stack.resources.map((r: { name: string }) => r.name)).toEqual(["prod-key"]);
    // Existence is not observable: an empty plan of a taken name and of a free one answer alike.
    const probe = async (name: string) => {
      const r = await h.as(evilManage).post(`/v1/stacks/${name}/plans`, { config: {} });
      return [r.status, r.body.serial, r.body.has_changes];
    };
    await h.as().post("/v1/stacks/operator-only/plans", { config: cfg({ o: { name: "op-7" } }) }).then((p) => h.as().post(`/v1/plans/${p.body.id}/apply`, {}));
    expect(await probe("operator-only")).toEqual(await probe("never-existed"));
    const all = (await h.as().get("/v1/stacks")).body.stacks.filter((s: { name: string }) => s.name === "victim-prod");
    expect(all.map((s: { owner: string }) => s.owner).sort()).toEqual(["acme", "evil"]);
  });

  it("8a. the body is never read before the caller is authenticated", async () => {
    const server: Server = createServer(h.app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1");
        let text = "";
        socket.on("data", (d) => (text += d.toString("latin1")));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
        // Claims 8 MiB, sends 1 KiB and waits: only a server that answers before reading the body replies.
        socket.write(`POST /v1/stacks/x/plans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer kf_live_not-a-real-token\r\nContent-Type: application/json\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`);
        socket.write("{" + " ".repeat(1023));
        setTimeout(() => socket.destroy(), 10_000).unref();
      });
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      expect(answer.toLowerCase()).toContain("connection: close");
    } finally {
      server.close();
    }
  });

  it("8b. /metrics requires KEYFORM_METRICS_TOKEN (or the operator's) when it is set", async () => {
    expect((await h.anon.get("/metrics")).status).toBe(401);
    expect((await h.anon.get("/metrics").set("authorization", "Bearer wrong")).status).toBe(401);
    expect((await h.anon.get("/metrics").set("authorization", "Bearer metrics-token-0123456789abcdef")).status).toBe(200);
    expect((await h.as().get("/metrics")).status).toBe(200);
    expect((await h.as(manage).get("/metrics")).status).toBe(401);
  });

  it("8c. key names compare exactly on both stores: deploy and DEPLOY are two names", async () => {
    const lower = await h.as().post("/v1/accounts/acme/keys", { name: "deploy" });
    const upper = await h.as().post("/v1/accounts/acme/keys", { name: "DEPLOY" });
    expect([lower.status, upper.status]).toEqual([201, 201]);
    expect((await h.as().post("/v1/accounts/acme/keys", { name: "deploy" })).body.code).toBe("NAME_TAKEN");
    const plan = await h.as().post("/v1/stacks/names/plans", { config: { provider: { keyform: [{ account: "acme" }] }, data: { keyform_api_key: { d: { name: "DEPLOY" } } }, output: { id: { value: "${data.keyform_api_key.d.id}" } } } });
    expect(plan.body.terraform.planned_values.outputs.id.value).toBe(upper.body.key.id);
  });
});
