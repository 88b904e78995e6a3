import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

describe.each(STORE_KINDS)("key lifecycle on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
    await h.account("acme");
  });
  afterAll(() => h.close());

  it("create → list → verify → use → regenerate → revoke", async () => {
    // create: the secret comes back once, with ready-to-paste formats
    const created = await h.key("acme", { name: "ci-key", expires_in: "90d", scopes: ["keys:read", "alerts:send"] });
    const { secret, key } = created;
    expect(secret).toMatch(/^kf_live_[0-9A-Za-z]{36}$/);
    expect(key).toMatchObject({ account: "acme", name: "ci-key", type: "live", status: "active", expires_in: "90d", uses: 0, managed_by_stack: null });
    expect(key.masked).toBe(`kf_live_${secret.slice(8, 12)}…${secret.slice(-4)}`);
    expect(created.formats.shell).toBe(`export KEYFORM_API_KEY="${secret}"`);
    expect(Buffer.from(created.formats.base64, "base64").toString()).toBe(secret);
    expect(created.formats.kubernetes).toContain("kind: Secret");
    expect(created.formats.kubernetes).toContain("name: ci-key");
    expect(created.formats.kubernetes).toContain(`KEYFORM_API_KEY: ${created.formats.base64}`);

    // list: masked, never the secret or its hash
    const list = await h.as().get("/v1/accounts/acme/keys");
    expect(list.status).toBe(200);
    expect(list.body.keys).toHaveLength(1);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(Object.keys(list.body.keys[0]).sort()).toEqual(
      ["account", "created_at", "expires_at", "expires_in", "id", "last_used_at", "managed_by_stack", "managed_by_stack_owner", "masked", "name", "remaining_uses", "scopes", "status", "type", "uses"].sort(),
    );

    // verify
    const v = await h.verify(secret, ["alerts:send"]);
    expect(v.body).toMatchObject({ valid: true, code: "VALID", key_id: key.id, account: "acme", type: "live", scopes: ["alerts:send", "keys:read"] });
    expect((await h.verify(secret, ["keys:manage"])).body).toMatchObject({ valid: false, code: "INSUFFICIENT_SCOPES" });

    // use as a credential (keys:read)
    const own = await h.as(secret).get("/v1/accounts/acme/keys");
    expect(own.status).toBe(200);
    const details = await h.as().get(`/v1/accounts/acme/keys/${key.id}`);
    expect(details.body.key.uses).toBe(2); // one VALID verification + one use as credential
    expect(details.body.key.last_used_at).not.toBeNull();
    expect(details.body.usage.map((u: { operation: string }) => u.operation).sort()).toEqual(["auth", "verify"]);
    expect(details.body.usage[0]).toMatchObject({ source: expect.stringMatching(/127\.0\.0\.1|::1/), count: 1 });

    // regenerate: same id, new secret; old refused at once
    const regen = await h.as().post(`/v1/accounts/acme/keys/${key.id}/regenerate`, {});
    expect(regen.status).toBe(200);
    expect(regen.body.key.id).toBe(key.id);
    expect(regen.body.secret).not.toBe(secret);
    expect((await h.verify(secret)).body.code).toBe("NOT_FOUND");
    expect((await h.as(secret).get("/v1/accounts/acme/keys")).status).toBe(401);
    expect((await h.verify(regen.body.secret)).body.code).toBe("VALID");
    expect((await h.as(regen.body.secret).get("/v1/accounts/acme/keys")).status).toBe(200);

    // revoke: 204, then 401 as credential and NOT_FOUND on verify; the row stays
    expect((await h.as().delete(`/v1/accounts/acme/keys/${key.id}`)).status).toBe(204);
    expect((await h.as(regen.body.secret).get("/v1/accounts/acme/keys")).status).toBe(401);
    expect((await h.verify(regen.body.secret)).body).toEqual({ valid: false, code: "NOT_FOUND" });
    const after = await h.as().get(`/v1/accounts/acme/keys/${key.id}`);
    expect(after.body.key.status).toBe("revoked");
  });

  it("keeps the old secret through a grace period, then kills it", async () => {
    const { key, secret } = await h.key("acme", { name: "graceful" });
    const regen = await h.as().post(`/v1/accounts/acme/keys/${key.id}/regenerate`, { grace_period: "1h" });
    expect(regen.status).toBe(200);
    expect((await h.verify(secret)).body.code).toBe("VALID");
    expect((await h.verify(regen.body.secret)).body.code).toBe("VALID");
    // A key in a grace period counts once against the limit.
    const acct = await h.as().get("/v1/accounts/acme");
    const listed = await h.as().get("/v1/accounts/acme/keys?status=active");
    expect(acct.body.account.active_keys).toBe(listed.body.keys.length);
    // Regenerating again without grace ends every older secret at once.
    const again = await h.as().post(`/v1/accounts/acme/keys/${key.id}/regenerate`, {});
    expect((await h.verify(secret)).body.code).toBe("NOT_FOUND");
    expect((await h.verify(regen.body.secret)).body.code).toBe("NOT_FOUND");
    expect((await h.verify(again.body.secret)).body.code).toBe("VALID");
  });

  it("imports and verifies a legacy UUID key, masked as 4…4", async () => {
    const res = await h.as().post("/v1/accounts/acme/keys/import", { name: "legacy-1", secret: "dc746828-6bab-43d7-b01d-cc74eeb9759b", scopes: ["alerts:send"] });
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty("secret");
    expect(res.body.key).toMatchObject({ type: "legacy", masked: "dc74…759b", status: "active" });
    expect((await h.verify("DC746828-6BAB-43D7-B01D-CC74EEB9759B", ["alerts:send"])).body).toMatchObject({ valid: true, type: "legacy" });
  });

  it("patches name, scopes and expiry; filters and paginates", async () => {
    const { key } = await h.key("acme", { name: "to-rename", expires_in: "30d" });
    const at = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const p = await h.as().patch(`/v1/accounts/acme/keys/${key.id}`, { name: "renamed", scopes: ["b:x", "a:y"], expires_at: at });
    expect(p.status).toBe(200);
    expect(p.body.key).toMatchObject({ name: "renamed", scopes: ["a:y", "b:x"], expires_at: at, expires_in: null });

    const page1 = await h.as().get("/v1/accounts/acme/keys?limit=2");
    expect(page1.body.keys).toHaveLength(2);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await h.as().get(`/v1/accounts/acme/keys?limit=2&cursor=${page1.body.next_cursor}`);
    const ids = [...page1.body.keys, ...page2.body.keys].map((k: { id: string }) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
    const revoked = await h.as().get("/v1/accounts/acme/keys?status=revoked");
    expect(revoked.body.keys.every((k: { status: string }) => k.status === "revoked")).toBe(true);
    expect(revoked.body.keys.length).toBeGreaterThan(0);
    const legacy = await h.as().get("/v1/accounts/acme/keys?type=legacy");
    expect(legacy.body.keys.map((k: { name: string }) => k.name)).toEqual(["legacy-1"]);
  });

  it("revoke-all revokes every active key of the account", async () => {
    await h.account("incident");
    const a = await h.key("incident", { name: "a" });
    const b = await h.key("incident", { name: "b", type: "temp" });
    const res = await h.as().post("/v1/accounts/incident/keys/revoke-all", {});
    expect(res.body).toEqual({ revoked: 2, left: 0 });
    expect((await h.verify(a.secret)).body.code).toBe("NOT_FOUND");
    expect((await h.verify(b.secret)).body.code).toBe("NOT_FOUND");
    expect((await h.as().get("/v1/accounts/incident")).body.account).toMatchObject({ active_keys: 0, active_temp_keys: 0 });
  });

  it("keeps the usage log 30 days", async () => {
    const { key, secret } = await h.key("acme", { name: "usage-retention" });
    await h.verify(secret);
    await h.services.usage.flush();
    expect((await h.as().get(`/v1/accounts/acme/keys/${key.id}`)).body.usage).toHaveLength(1);
    await h.services.usage.purgeOld(Date.now() + 29 * 86_400_000);
    expect((await h.as().get(`/v1/accounts/acme/keys/${key.id}`)).body.usage).toHaveLength(1);
    await h.services.usage.purgeOld(Date.now() + 31 * 86_400_000);
    const after = await h.as().get(`/v1/accounts/acme/keys/${key.id}`);
    expect(after.body.usage).toEqual([]);
    expect(after.body.key.uses).toBe(1); // the counter stays; only the per-minute log ages out
  });

  it("records an audit trail of changes", async () => {
    const res = await h.as().get("/v1/accounts/acme/audit");
    expect(res.status).toBe(200);
    const actions = res.body.events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["account.create", "key.create", "key.regenerate", "key.revoke", "key.import", "key.update"]));
    expect(res.body.events[0]).toMatchObject({ actor: "operator", source: expect.any(String), at: expect.any(String) });
  });
});
