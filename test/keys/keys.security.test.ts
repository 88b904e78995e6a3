import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

describe.each(STORE_KINDS)("tenant isolation and secrets on %s", (kind) => {
  let h: Harness;
  let aManager: string;
  let bKey: { id: string };
  let bSecret: string;
  beforeAll(async () => {
    h = await Harness.start(kind);
    await h.account("tenant-a");
    await h.account("tenant-b");
    aManager = (await h.key("tenant-a", { name: "manager", scopes: ["keys:manage", "keys:verify", "alerts:send"] })).secret;
    const b = await h.key("tenant-b", { name: "b-key", scopes: ["alerts:send"] });
    bKey = b.key;
    bSecret = b.secret;
  });
  afterAll(() => h.close());

  it("a key of account A can neither see nor change account B's keys (404)", async () => {
    const a = h.as(aManager);
    for (const res of [
      await a.get("/v1/accounts/tenant-b"),
      await a.get("/v1/accounts/tenant-b/keys"),
      await a.get(`/v1/accounts/tenant-b/keys/${bKey.id}`),
      await a.patch(`/v1/accounts/tenant-b/keys/${bKey.id}`, { name: "pwned" }),
      await a.delete(`/v1/accounts/tenant-b/keys/${bKey.id}`),
      await a.post(`/v1/accounts/tenant-b/keys/${bKey.id}/regenerate`, {}),
      await a.post("/v1/accounts/tenant-b/keys", { name: "planted" }),
      await a.post("/v1/accounts/tenant-b/keys/revoke-all", {}),
      // B's key id under A's own account path is simply not found either
      await a.get(`/v1/accounts/tenant-a/keys/${bKey.id}`),
      await a.delete(`/v1/accounts/tenant-a/keys/${bKey.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("NOT_FOUND");
    }
    const still = await h.as().get(`/v1/accounts/tenant-b/keys/${bKey.id}`);
    expect(still.body.key).toMatchObject({ name: "b-key", status: "active" });
    expect((await h.as().get("/v1/accounts/tenant-b/keys")).body.keys).toHaveLength(1);
  });

  it("verify never reveals that a key exists in another account", async () => {
    const res = await h.verify(bSecret, undefined, aManager);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: false, code: "NOT_FOUND" });
    expect((await h.verify(bSecret)).body.code).toBe("VALID"); // the operator sees it
  });

  it("an account key manages its own account within its scopes, and cannot grant scopes it lacks", async () => {
    const ok = await h.as(aManager).post("/v1/accounts/tenant-a/keys", { name: "child", scopes: ["alerts:send", "keys:read"] });
    expect(ok.status).toBe(201);
    const escalate = await h.as(aManager).post("/v1/accounts/tenant-a/keys", { name: "admin", scopes: ["billing:write"] });
    expect(escalate.status).toBe(403);
    expect(escalate.body.code).toBe("FORBIDDEN");
    const patch = await h.as(aManager).patch(`/v1/accounts/tenant-a/keys/${ok.body.key.id}`, { scopes: ["billing:write"] });
    expect(patch.status).toBe(403);
    expect((await h.as(ok.body.secret).post("/v1/accounts/tenant-a/keys", { name: "grandchild" })).status).toBe(403);
  });

  it("never writes a secret, or its hash, to the logs", async () => {
    const { key, secret } = await h.key("tenant-a", { name: "logged", scopes: ["keys:read"] });
    await h.verify(secret);
    await h.as(secret).get("/v1/accounts/tenant-a/keys?cursor=" + secret);
    await h.anon.get("/v1/accounts/tenant-a").set("x-api-key", secret);
    const regen = await h.as().post(`/v1/accounts/tenant-a/keys/${key.id}/regenerate`, { grace_period: 60 });
    await h.verify(regen.body.secret);
    await h.as().delete(`/v1/accounts/tenant-a/keys/${key.id}`);
    await h.verify(secret);
    await h.as(secret).get("/v1/accounts/tenant-a");
    await h.services.usage.flush();
    const logs = h.logs.text;
    expect(h.logs.lines.length).toBeGreaterThan(5);
    for (const s of [secret, regen.body.secret, aManager, bSecret, "test-operator-token-0123456789"]) {
      expect(logs).not.toContain(s);
      expect(logs).not.toContain(s.slice(8)); // not even without its prefix
    }
    expect(logs).not.toMatch(/[0-9a-f]{64}/);
  });

  it("sets security headers", async () => {
    const res = await h.as().get("/v1/accounts/tenant-a");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["strict-transport-security"]).toBeDefined();
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });
});
