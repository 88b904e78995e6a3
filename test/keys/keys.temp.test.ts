import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

describe.each(STORE_KINDS)("temp keys on %s", (kind) => {
  let h: Harness;
  let now = Date.now();
  beforeAll(async () => {
    h = await Harness.start(kind, { clock: () => now });
    await h.account("acme");
  });
  afterAll(() => h.close());

  it("are valid for 10 VALID verifications, then USAGE_EXCEEDED; failed checks spend nothing", async () => {
    const { key, secret } = await h.key("acme", { name: "onboarding", type: "temp", scopes: ["x:y"] });
    expect(secret).toMatch(/^kf_temp_/);
    expect(key).toMatchObject({ type: "temp", remaining_uses: 10, expires_in: null });
    expect(Date.parse(key.expires_at as string) - Date.parse(key.created_at as string)).toBe(5 * 60_000);
    // INSUFFICIENT_SCOPES spends no use
    expect((await h.verify(secret, ["admin:all"])).body.code).toBe("INSUFFICIENT_SCOPES");
    for (let i = 1; i <= 10; i++) {
      const r = await h.verify(secret);
      expect(r.body).toMatchObject({ valid: true, code: "VALID", remaining_uses: 10 - i });
    }
    expect((await h.verify(secret)).body).toMatchObject({ valid: false, code: "USAGE_EXCEEDED", remaining_uses: 0 });
    const shown = await h.as().get(`/v1/accounts/acme/keys/${key.id}`);
    expect(shown.body.key).toMatchObject({ status: "exhausted", uses: 10, remaining_uses: 0 });
  });

  it("expire 5 minutes after creation", async () => {
    const { secret, key } = await h.key("acme", { name: "short", type: "temp" });
    now += 4 * 60_000;
    expect((await h.verify(secret)).body.code).toBe("VALID");
    now += 60_000 + 1;
    expect((await h.verify(secret)).body.code).toBe("EXPIRED");
    expect((await h.as().get(`/v1/accounts/acme/keys/${key.id}`)).body.key.status).toBe("expired");
    expect((await h.as().get("/v1/accounts/acme/keys?status=expired")).body.keys.map((k: { id: string }) => k.id)).toContain(key.id);
  });

  it("spend a use when used as a credential, and stop working as one when used up", async () => {
    const { secret } = await h.key("acme", { name: "cred", type: "temp", scopes: ["keys:read"] });
    for (let i = 0; i < 10; i++) expect((await h.as(secret).get("/v1/accounts/acme")).status).toBe(200);
    expect((await h.as(secret).get("/v1/accounts/acme")).status).toBe(401);
  });

  it("live keys expire at their expires_at", async () => {
    const { secret } = await h.key("acme", { name: "month", expires_in: "30d" });
    now += 30 * 86_400_000 + 1;
    expect((await h.verify(secret)).body.code).toBe("EXPIRED");
    expect((await h.as(secret).get("/v1/accounts/acme")).status).toBe(401);
  });
});
