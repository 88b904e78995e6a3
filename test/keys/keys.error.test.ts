import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

describe.each(STORE_KINDS)("error codes on %s", (kind) => {
  let h: Harness;
  let reader: string;
  beforeAll(async () => {
    h = await Harness.start(kind, { settings: { authFailureLimit: 5 } });
    await h.account("acme", { key_limit: 2, max_expiry: "1y" });
    reader = (await h.key("acme", { name: "reader", scopes: ["keys:read"] })).secret;
  });
  afterAll(() => h.close());

  const keyCount = async () => (await h.as().get("/v1/accounts/acme/keys?limit=1000")).body.keys.length;

  function expectProblem(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String), request_id: expect.any(String) });
  }

  it("VALIDATION_FAILED (400): malformed JSON, unknown fields, wrong types — each bad field named, nothing created", async () => {
    const before = await keyCount();
    const bad = await h.anon.post("/v1/accounts/acme/keys").set("authorization", "Bearer test-operator-token-0123456789").set("content-type", "application/json").send('{"name": ');
    expectProblem(bad, 400, "VALIDATION_FAILED");
    const res = await h.as().post("/v1/accounts/acme/keys", { name: 42, colour: "red", scopes: "x", expires_in: "5d" });
    expectProblem(res, 400, "VALIDATION_FAILED");
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["/name", "/colour", "/scopes", "/expires_in"]));
    expectProblem(await h.as().post("/v1/accounts/acme/keys", { name: "bad name!" }), 400, "VALIDATION_FAILED");
    expectProblem(await h.as().post("/v1/accounts/acme/keys", { name: "x".repeat(129) }), 400, "VALIDATION_FAILED");
    expectProblem(await h.as().post("/v1/accounts/acme/keys", { name: "t", type: "temp", expires_in: "30d" }), 400, "VALIDATION_FAILED");
    expectProblem(await h.as().get("/v1/accounts/acme/keys?limit=abc"), 400, "VALIDATION_FAILED");
    expectProblem(await h.as().get("/v1/accounts/acme/keys?sort=name"), 400, "VALIDATION_FAILED");
    expectProblem(await h.as().post("/v1/accounts/acme/keys/import", { name: "l", secret: "not-a-uuid" }), 400, "VALIDATION_FAILED");
    expect(await keyCount()).toBe(before);
  });

  it("UNAUTHORIZED (401) for missing, unknown, malformed or revoked credentials, never saying which", async () => {
    const details = new Set<string>();
    for (const req of [
      h.anon.get("/v1/accounts/acme/keys"),
      h.anon.get("/v1/accounts/acme/keys").set("authorization", "Bearer kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON"),
      h.anon.get("/v1/accounts/acme/keys").set("x-api-key", "nonsense"),
      h.anon.get("/v1/accounts/acme/keys").set("authorization", "Basic abc"),
    ]) {
      const res = await req;
      expectProblem(res, 401, "UNAUTHORIZED");
      details.add(res.body.detail as string);
    }
    expect(details.size).toBe(1);
  });

  it("FORBIDDEN (403) for a missing scope or an operator-only action", async () => {
    expectProblem(await h.as(reader).post("/v1/accounts/acme/keys", { name: "nope" }), 403, "FORBIDDEN");
    expectProblem(await h.as(reader).post("/v1/verify", { key: reader }), 403, "FORBIDDEN");
    expectProblem(await h.as(reader).patch("/v1/accounts/acme", { key_limit: 100 }), 403, "FORBIDDEN");
    expectProblem(await h.as(reader).post("/v1/accounts", { id: "mine" }), 403, "FORBIDDEN");
  });

  it("NOT_FOUND (404) for unknown routes, accounts and keys", async () => {
    expectProblem(await h.as().get("/v1/nothing-here"), 404, "NOT_FOUND");
    expectProblem(await h.as().get("/v1/accounts/ghost"), 404, "NOT_FOUND");
    expectProblem(await h.as().get("/v1/accounts/acme/keys/key_000000000000000000000000"), 404, "NOT_FOUND");
    expectProblem(await h.as().get("/v1/accounts/acme/keys/not-a-key-id"), 404, "NOT_FOUND");
    expectProblem(await h.as().post("/v1/accounts/ghost/keys", { name: "x" }), 404, "NOT_FOUND");
  });

  it("ACCOUNT_EXISTS (409)", async () => {
    expectProblem(await h.as().post("/v1/accounts", { id: "acme" }), 409, "ACCOUNT_EXISTS");
  });

  it("NAME_TAKEN (409) among active keys; a revoked key's name is free again", async () => {
    const { key } = await h.key("acme", { name: "dup" });
    expectProblem(await h.as().post("/v1/accounts/acme/keys", { name: "dup" }), 409, "NAME_TAKEN");
    await h.as().delete(`/v1/accounts/acme/keys/${key.id}`);
    const again = await h.key("acme", { name: "dup" });
    expectProblem(await h.as().patch(`/v1/accounts/acme/keys/${key.id}`, { name: "x" }), 409, "KEY_INACTIVE");
    await h.as().delete(`/v1/accounts/acme/keys/${again.key.id}`);
  });

  it("NAME_TAKEN (409) for a rename onto another active key's name, which changes nothing", async () => {
    await h.account("renames");
    await h.key("renames", { name: "taken" });
    const other = await h.key("renames", { name: "other" });
    expectProblem(await h.as().patch(`/v1/accounts/renames/keys/${other.key.id}`, { name: "taken", scopes: ["alerts:send"] }), 409, "NAME_TAKEN");
    expect((await h.as().get(`/v1/accounts/renames/keys/${other.key.id}`)).body.key).toMatchObject({ name: "other", scopes: [] });
  });

  it("KEY_LIMIT_REACHED (409) with the documented detail, for keys and temp keys", async () => {
    const extra = await h.key("acme", { name: "second" }); // reader + second = 2 of 2
    const res = await h.as().post("/v1/accounts/acme/keys", { name: "third" });
    expectProblem(res, 409, "KEY_LIMIT_REACHED");
    expect(res.body.detail).toBe("account acme has 2 of 2 keys");
    expectProblem(await h.as().post("/v1/accounts/acme/keys/import", { name: "old", secret: "11111111-2222-4333-8444-555555555555" }), 409, "KEY_LIMIT_REACHED");
    for (let i = 0; i < 5; i++) await h.key("acme", { name: `temp-${i}`, type: "temp" });
    const temp = await h.as().post("/v1/accounts/acme/keys", { name: "temp-5", type: "temp" });
    expectProblem(temp, 409, "KEY_LIMIT_REACHED");
    expect(temp.body.detail).toBe("account acme has 5 of 5 temp keys");
    // Lowering a limit only blocks new keys; existing ones keep working.
    await h.as().patch("/v1/accounts/acme", { key_limit: 1 });
    expect((await h.verify(extra.secret)).body.code).toBe("VALID");
    await h.as().patch("/v1/accounts/acme", { key_limit: 2 });
    await h.as().delete(`/v1/accounts/acme/keys/${extra.key.id}`);
  });

  it("EXPIRY_EXCEEDS_POLICY (422) beyond the account's max_expiry", async () => {
    expectProblem(await h.as().post("/v1/accounts/acme/keys", { name: "long", expires_in: "2y" }), 422, "EXPIRY_EXCEEDS_POLICY");
    expectProblem(await h.as().post("/v1/accounts/acme/keys", { name: "forever", expires_in: "never" }), 422, "EXPIRY_EXCEEDS_POLICY");
  });

  it("LEGACY_KEYS_CANNOT_BE_CREATED (422)", async () => {
    expectProblem(await h.as().post("/v1/accounts/acme/keys", { name: "legacy", type: "legacy" }), 422, "LEGACY_KEYS_CANNOT_BE_CREATED");
  });

  it("KEY_EXISTS (409) when a legacy key is imported twice; KEY_NOT_REGENERABLE (422) for it", async () => {
    await h.as().patch("/v1/accounts/acme", { key_limit: 10 });
    const first = await h.as().post("/v1/accounts/acme/keys/import", { name: "old-1", secret: "11111111-2222-4333-8444-555555555555" });
    expect(first.status).toBe(201);
    expectProblem(await h.as().post("/v1/accounts/acme/keys/import", { name: "old-2", secret: "11111111-2222-4333-8444-555555555555" }), 409, "KEY_EXISTS");
    expectProblem(await h.as().post(`/v1/accounts/acme/keys/${first.body.key.id}/regenerate`, {}), 422, "KEY_NOT_REGENERABLE");
    expectProblem(await h.as().post(`/v1/accounts/acme/keys/${first.body.key.id}/regenerate`, { grace_period: "48h" }), 400, "VALIDATION_FAILED");
  });

  it("PAYLOAD_TOO_LARGE (413)", async () => {
    const res = await h.as().post("/v1/accounts/acme/keys", { name: "big", scopes: ["a".repeat(100_000)] });
    expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
  });

  it("RATE_LIMITED (429) with Retry-After after repeated failed authentications; verification results are not limited", async () => {
    // Verification results (NOT_FOUND, MALFORMED) are answers, not failed authentications.
    for (let i = 0; i < 12; i++) expect((await h.verify("kf_live_nope")).body.code).toBe("MALFORMED");
    let last;
    for (let i = 0; i < 7; i++) last = await h.anon.get("/v1/accounts/acme").set("authorization", "Bearer wrong");
    expectProblem(last!, 429, "RATE_LIMITED");
    expect(Number(last!.headers["retry-after"])).toBeGreaterThan(0);
  });
});
