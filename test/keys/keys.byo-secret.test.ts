import { createHash } from "node:crypto";
import { checksum, generateSecret } from "../../core/keys/secret-format";
import { STORE_KINDS } from "../support/db";
import { Harness } from "../support/harness";

/** DESIGN.md's test vectors: valid keyform secrets that no generator of ours produced. */
const VECTOR_LIVE = "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON";
const VECTOR_TEMP = "kf_temp_xm234QpLr8Ws0ZbN5vKcYdTe1uHj9a3hFf3X";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
/** A secret with a correct checksum over any body (for malformed-but-checksummed cases). */
const withChecksum = (body: string) => body + checksum(body);

describe.each(STORE_KINDS)("bring your own secret on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
    await h.account("acme", { key_limit: 5 });
    await h.account("globex");
  });
  afterAll(() => h.close());

  const create = (account: string, body: Record<string, unknown>, token?: string) => h.as(token).post(`/v1/accounts/${account}/keys`, body);
  const regenerate = (account: string, id: string, body: Record<string, unknown>) => h.as().post(`/v1/accounts/${account}/keys/${id}/regenerate`, body);
  /** A refusal: status, code, and the supplied secret neither echoed nor stored. */
  async function refused(res: { status: number; body: any; text: string }, status: number, code: string, secret: string) {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.text).not.toContain(secret);
    h.secrets.add(secret); // it must not reach the logs either
    const stored: unknown[] = await h.store.manager.query("SELECT 1 AS x FROM key_secrets WHERE hash = ?", [sha256(secret)]);
    expect(stored).toEqual([]);
  }

  it("create with a supplied secret: that secret verifies, only its hash is stored, the audit says it was supplied", async () => {
    const res = await create("acme", { name: "byo", secret: VECTOR_LIVE, scopes: ["alerts:send"], expires_in: "90d" });
    expect(res.status).toBe(201);
    expect(res.body.key).toMatchObject({ name: "byo", type: "live", masked: "kf_live_Tg2c…KiON", expires_in: "90d", scopes: ["alerts:send"] });
    expect((await h.verify(VECTOR_LIVE, ["alerts:send"])).body).toMatchObject({ valid: true, key_id: res.body.key.id, account: "acme" });

    const hashes: Array<{ hash: string }> = await h.store.manager.query("SELECT hash FROM key_secrets WHERE key_id = ?", [res.body.key.id]);
    expect(hashes.map((r) => r.hash)).toEqual([sha256(VECTOR_LIVE)]);
    const row: Array<Record<string, unknown>> = await h.store.manager.query("SELECT * FROM api_keys WHERE id = ?", [res.body.key.id]);
    expect(JSON.stringify(row)).not.toContain(VECTOR_LIVE);

    const audit = await h.as().get("/v1/accounts/acme/audit");
    const event = audit.body.events.find((e: any) => e.action === "key.create" && e.target === res.body.key.id);
    expect(event.details).toMatchObject({ name: "byo", secret_supplied: true });
    const generated = await h.key("acme", { name: "generated" });
    const plain = (await h.as().get("/v1/accounts/acme/audit")).body.events.find((e: any) => e.target === generated.key.id);
    expect(plain.details.secret_supplied).toBeUndefined();
    expect((await h.as().delete(`/v1/accounts/acme/keys/${generated.key.id}`)).status).toBe(204);
  });

  it("a temp key takes a temp secret; a live key refuses one, and vice versa", async () => {
    const temp = await create("acme", { name: "byo-temp", type: "temp", secret: VECTOR_TEMP });
    expect(temp.status).toBe(201);
    expect((await h.verify(VECTOR_TEMP)).body).toMatchObject({ valid: true, type: "temp" });
    const liveWithTemp = generateSecret("kf", "temp");
    await refused(await create("acme", { name: "mismatch", secret: liveWithTemp }), 400, "VALIDATION_FAILED", liveWithTemp);
    const tempWithLive = generateSecret("kf", "live");
    await refused(await create("acme", { name: "mismatch2", type: "temp", secret: tempWithLive }), 400, "VALIDATION_FAILED", tempWithLive);
  });

  it.each([
    ["a wrong checksum", () => VECTOR_LIVE.slice(0, -1) + (VECTOR_LIVE.endsWith("N") ? "M" : "N")],
    ["another brand", () => withChecksum(`zz_live_${"Tg2cnK76HXgzRnUYTqIxuQlroYRRtV"}`)],
    ["a legacy UUID", () => "0b6f7c1e-3d2a-4c5b-8e9f-a1b2c3d4e5f6"],
    ["too short", () => withChecksum("kf_live_Tg2cnK76HXgzRnUY")],
    ["no variety (a made-up secret)", () => withChecksum(`kf_live_${"ab".repeat(15)}`)],
  ])("refuses %s with 400 on /secret, without echoing it, and creates nothing", async (_what, make) => {
    const secret = make();
    const before = (await h.as().get("/v1/accounts/acme/keys")).body.keys.length;
    const res = await create("acme", { name: "bad-secret", secret });
    await refused(res, 400, "VALIDATION_FAILED", secret);
    expect(res.body.errors).toEqual([{ field: "/secret", message: expect.any(String) }]);
    expect((await h.as().get("/v1/accounts/acme/keys")).body.keys.length).toBe(before);
  });

  it("a secret already in use is refused with 409 SECRET_IN_USE that names no key, in any account", async () => {
    const owner = await h.key("globex", { name: "owner", secret: generateSecret("kf", "live") });
    const reused = (await h.as().get(`/v1/accounts/globex/keys/${owner.key.id}`)).body.key;
    expect(reused.id).toBe(owner.key.id);
    for (const [account, name] of [["globex", "again"], ["acme", "elsewhere"]]) {
      const res = await create(account, { name, secret: owner.secret });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: "SECRET_IN_USE" });
      expect(res.text).not.toContain(owner.key.id);
      expect(res.text).not.toContain("globex");
      expect(res.text).not.toContain(owner.secret);
    }
    // A revoked key's secret stays taken: a leaked secret can never come back to life.
    expect((await h.as().delete(`/v1/accounts/globex/keys/${owner.key.id}`)).status).toBe(204);
    expect((await create("globex", { name: "revived", secret: owner.secret })).body.code).toBe("SECRET_IN_USE");
  });

  it("regenerate with a supplied secret and a grace period: both secrets verify, the audit says supplied; reusing one is refused", async () => {
    const { key, secret: first } = await h.key("globex", { name: "rotating", scopes: ["alerts:send"] });
    const next = generateSecret("kf", "live");
    const res = await regenerate("globex", key.id, { secret: next, grace_period: "1h" });
    expect(res.status).toBe(200);
    expect(res.body.key).toMatchObject({ id: key.id, masked: `kf_live_${next.slice(8, 12)}…${next.slice(-4)}` });
    expect((await h.verify(first)).body.code).toBe("VALID");
    expect((await h.verify(next)).body).toMatchObject({ valid: true, key_id: key.id });
    const audit = (await h.as().get("/v1/accounts/globex/audit")).body.events.find((e: any) => e.action === "key.regenerate" && e.target === key.id);
    expect(audit.details).toEqual({ grace_period_seconds: 3600, secret_supplied: true });

    // the key's own secrets (current, and the one in its grace period) are in use too
    for (const again of [next, first]) {
      const r = await regenerate("globex", key.id, { secret: again });
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: "SECRET_IN_USE" });
    }
    expect((await h.verify(next)).body.code).toBe("VALID");
    const temp = generateSecret("kf", "temp");
    await refused(await regenerate("globex", key.id, { secret: temp }), 400, "VALIDATION_FAILED", temp);
  });

  it("the same rules as any create: limits, expiry policy, scopes the caller holds, keys:manage", async () => {
    await h.account("small", { key_limit: 1, max_expiry: "90d" });
    await h.key("small", { name: "only" });
    const full = generateSecret("kf", "live");
    await refused(await create("small", { name: "second", secret: full }), 409, "KEY_LIMIT_REACHED", full);
    const small2 = await h.account("small2", { max_expiry: "90d" });
    expect(small2.id).toBe("small2");
    const long = generateSecret("kf", "live");
    await refused(await create("small2", { name: "long", secret: long, expires_in: "1y" }), 422, "EXPIRY_EXCEEDS_POLICY", long);

    const reader = await h.key("small2", { name: "reader", scopes: ["keys:read"] });
    const viaReader = generateSecret("kf", "live");
    await refused(await create("small2", { name: "x", secret: viaReader }, reader.secret), 403, "FORBIDDEN", viaReader);
    const manager = await h.key("small2", { name: "manager", scopes: ["keys:manage"] });
    const escalate = generateSecret("kf", "live");
    await refused(await create("small2", { name: "y", secret: escalate, scopes: ["billing:write"] }, manager.secret), 403, "FORBIDDEN", escalate);
    // A 90-day key (the account's default) may make keys that end no later than it does.
    const until = manager.key.expires_at as string;
    const ok = await create("small2", { name: "z", secret: generateSecret("kf", "live"), scopes: ["keys:manage"], expires_at: until }, manager.secret);
    expect(ok.status).toBe(201);
  });

  it("two creates racing with one secret: exactly one key gets it, the other is refused with 409", async () => {
    const secret = generateSecret("kf", "live");
    const results = await Promise.all([
      create("acme", { name: "race-a", secret }),
      create("globex", { name: "race-b", secret }),
      create("globex", { name: "race-c", secret }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === "SECRET_IN_USE")).toBe(true);
    const stored: unknown[] = await h.store.manager.query("SELECT key_id FROM key_secrets WHERE hash = ?", [sha256(secret)]);
    expect(stored).toHaveLength(1);
  });

  it("the OpenAPI document describes the optional secret on create and regenerate", async () => {
    const doc = (await h.anon.get("/openapi.json")).body;
    const body = (path: string) => doc.paths[path].post.requestBody.content["application/json"].schema.properties;
    expect(body("/v1/accounts/{account}/keys").secret.description).toMatch(/Bring your own secret/);
    expect(body("/v1/accounts/{account}/keys/{id}/regenerate").secret.description).toMatch(/Bring your own secret/);
  });
});
