import { AppError } from "../../server/errors/app-error";
import { parseDuration, resolveExpiry } from "../../server/keys/expiry";

const DAY = 86_400_000;
const now = Date.UTC(2026, 0, 1);

describe("expiry rules", () => {
  it("maps expires_in to a date (1y = 365 days) and remembers what was asked", () => {
    expect(resolveExpiry({ expires_in: "30d" }, null, now)).toEqual({ expiresIn: "30d", expiresAt: now + 30 * DAY });
    expect(resolveExpiry({ expires_in: "1y" }, null, now)).toEqual({ expiresIn: "1y", expiresAt: now + 365 * DAY });
    expect(resolveExpiry({ expires_in: "2y" }, null, now)).toEqual({ expiresIn: "2y", expiresAt: now + 730 * DAY });
    expect(resolveExpiry({ expires_in: "never" }, null, now)).toEqual({ expiresIn: "never", expiresAt: null });
  });

  it("defaults to never, or to the account's max_expiry when it has one", () => {
    expect(resolveExpiry({}, null, now)).toEqual({ expiresIn: "never", expiresAt: null });
    expect(resolveExpiry({}, "90d", now)).toEqual({ expiresIn: "90d", expiresAt: now + 90 * DAY });
  });

  it.each([
    [{ expires_in: "2y" as const }, "1y"],
    [{ expires_in: "never" as const }, "1y"],
    [{ expires_at: new Date(now + 100 * DAY).toISOString() }, "90d"],
  ])("refuses %j beyond max_expiry %s with EXPIRY_EXCEEDS_POLICY", (req, max) => {
    expect(() => resolveExpiry(req, max, now)).toThrow(expect.objectContaining({ code: "EXPIRY_EXCEEDS_POLICY" }));
  });

  it("refuses expires_at in the past and both arguments together", () => {
    const past = () => resolveExpiry({ expires_at: new Date(now - 1000).toISOString() }, null, now);
    expect(past).toThrow(AppError);
    expect(past).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    expect(() => resolveExpiry({ expires_in: "30d", expires_at: new Date(now + DAY).toISOString() }, null, now)).toThrow(
      expect.objectContaining({ code: "VALIDATION_FAILED" }),
    );
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
