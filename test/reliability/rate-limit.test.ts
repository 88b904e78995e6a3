import { STORE_KINDS } from "../support/db";
import { ADMIN_TOKEN, Harness } from "../support/harness";

describe.each(STORE_KINDS)("failed-authentication limit per client address (%s)", (kind) => {
  let h: Harness;
  let now = Date.UTC(2026, 0, 1);
  beforeAll(async () => {
    h = await Harness.start(kind, { clock: () => now, settings: { authFailureLimit: 3, trustProxy: "loopback" } });
    await h.account("rl");
  });
  afterAll(() => h.close());

  const from = (address: string, token: string) => h.anon.get("/v1/accounts/rl").set("authorization", `Bearer ${token}`).set("x-forwarded-for", address);

  it("429 RATE_LIMITED with Retry-After past the limit, for that address only; the window ends; old rows are purged", async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await from("203.0.113.9", "wrong")).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await from("203.0.113.9", ADMIN_TOKEN);
    expect(limited.status).toBe(429); // even a good token, until the window ends
    expect(limited.body.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect((await from("198.51.100.1", ADMIN_TOKEN)).status).toBe(200);
    // Verification results are never limited.
    for (let i = 0; i < 10; i++) expect((await h.anon.post("/v1/verify").set("authorization", `Bearer ${ADMIN_TOKEN}`).set("x-forwarded-for", "198.51.100.1").send({ key: "kf_live_x" })).status).toBe(200);

    now += 61_000;
    expect((await from("203.0.113.9", ADMIN_TOKEN)).status).toBe(200);
    const rows = async () => Number((await h.store.manager.query("SELECT COUNT(*) AS n FROM auth_failures"))[0].n);
    expect(await rows()).toBeGreaterThan(0);
    await (h.services.auth as unknown as { limiter: { purgeExpired(now: number): Promise<void> } }).limiter.purgeExpired(now);
    expect(await rows()).toBe(0);
  });
});
