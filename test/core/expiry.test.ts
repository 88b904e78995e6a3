import { parseDuration, resolveExpiry } from "../../core/keys/expiry";

const DAY = 86_400_000;
const now = Date.UTC(2026, 0, 1);
const value = (r: ReturnType<typeof resolveExpiry>) => (r.ok ? r.value : r.violation);

describe("expiry rules (core/keys/expiry)", () => {
  it("maps expires_in to a date (1y = 365 days) and remembers what was asked", () => {
    expect(value(resolveExpiry({ expires_in: "30d" }, null, now))).toEqual({ expiresIn: "30d", expiresAt: now + 30 * DAY });
    expect(value(resolveExpiry({ expires_in: "1y" }, null, now))).toEqual({ expiresIn: "1y", expiresAt: now + 365 * DAY });
    expect(value(resolveExpiry({ expires_in: "2y" }, null, now))).toEqual({ expiresIn: "2y", expiresAt: now + 730 * DAY });
    expect(value(resolveExpiry({ expires_in: "never" }, null, now))).toEqual({ expiresIn: "never", expiresAt: null });
  });

  it("defaults to never, or to the account's max_expiry when it has one", () => {
    expect(value(resolveExpiry({}, null, now))).toEqual({ expiresIn: "never", expiresAt: null });
    expect(value(resolveExpiry({}, "90d", now))).toEqual({ expiresIn: "90d", expiresAt: now + 90 * DAY });
  });

  it.each([
    [{ expires_in: "2y" as const }, "1y"],
    [{ expires_in: "never" as const }, "1y"],
    [{ expires_at: new Date(now + 100 * DAY).toISOString() }, "90d"],
  ])("refuses %j beyond max_expiry %s with EXPIRY_EXCEEDS_POLICY", (req, max) => {
    expect(value(resolveExpiry(req, max, now))).toMatchObject({ code: "EXPIRY_EXCEEDS_POLICY", summary: "Expiry exceeds policy" });
  });

  it("refuses expires_at in the past, an unknown expires_in and both arguments together, naming the argument", () => {
    expect(value(resolveExpiry({ expires_at: new Date(now - 1000).toISOString() }, null, now))).toMatchObject({ code: "VALIDATION_FAILED", field: "expires_at" });
    expect(value(resolveExpiry({ expires_in: "45d" }, null, now))).toMatchObject({ code: "VALIDATION_FAILED", field: "expires_in", summary: "Invalid expires_in" });
    expect(value(resolveExpiry({ expires_in: "30d", expires_at: new Date(now + DAY).toISOString() }, null, now))).toMatchObject({ code: "VALIDATION_FAILED", summary: "Conflicting expiry" });
  });

  it("quotes a hostile value cut short", () => {
    const r = value(resolveExpiry({ expires_at: "x".repeat(100_000) }, null, now)) as { detail: string };
    expect(r.detail.length).toBeLessThan(200);
  });

  it("parses durations", () => {
    expect(parseDuration("90d")).toBe(90 * DAY);
    expect(parseDuration("15m")).toBe(15 * 60_000);
    expect(parseDuration("24h")).toBe(DAY);
    expect(parseDuration("1y")).toBe(365 * DAY);
    expect(parseDuration("1w")).toBeNull();
    expect(parseDuration("-1d")).toBeNull();
  });
});
