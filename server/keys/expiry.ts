import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";

/** The expiry choices a key accepts and an account's `max_expiry` may name. */
export const EXPIRES_IN = ["30d", "90d", "1y", "2y", "never"] as const;
export type ExpiresIn = (typeof EXPIRES_IN)[number];
export const MAX_EXPIRY = ["30d", "90d", "1y", "2y"] as const;

const DAY = 24 * 60 * 60 * 1000;
const DURATIONS: Record<Exclude<ExpiresIn, "never">, number> = {
  "30d": 30 * DAY,
  "90d": 90 * DAY,
  "1y": 365 * DAY,
  "2y": 730 * DAY,
};

export function durationMs(e: ExpiresIn): number | null {
  return e === "never" ? null : DURATIONS[e];
}

/** The longest grace period an old secret may get (regenerate, `rotation_overlap`). */
export const MAX_GRACE_PERIOD = "24h";
export const MAX_GRACE_MS = 24 * 60 * 60 * 1000;

/** Parses `90d`, `12h`, `30m`, `45s`, `1y` into milliseconds (used by rotate_every and grace periods). */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,6})(s|m|h|d|y)$/.exec(text);
  if (!m) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: DAY, y: 365 * DAY }[m[2] as "s" | "m" | "h" | "d" | "y"];
  return Number(m[1]) * unit;
}

export interface ExpiryRequest {
  expires_in?: ExpiresIn;
  expires_at?: string;
}

export interface ResolvedExpiry {
  expiresIn: ExpiresIn | null;
  expiresAt: number | null;
}

/**
 * Turns `expires_in` / `expires_at` into a stored pair, enforcing the account's `max_expiry`.
 * Without either, a key never expires unless the account has a policy, whose maximum is then used.
 */
export function resolveExpiry(req: ExpiryRequest, maxExpiry: string | null, now: number): ResolvedExpiry {
  if (req.expires_in !== undefined && req.expires_at !== undefined) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, "Give expires_in or expires_at, not both.", {
      errors: [{ field: "/expires_at", message: "must not be given together with expires_in" }],
    });
  }
  const max = maxExpiry ? DURATIONS[maxExpiry as keyof typeof DURATIONS] : null;
  if (req.expires_at !== undefined) {
    const at = Date.parse(req.expires_at);
    if (Number.isNaN(at) || at <= now) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "expires_at must be an RFC 3339 time in the future.", {
        errors: [{ field: "/expires_at", message: "must be an RFC 3339 date-time in the future" }],
      });
    }
    if (max !== null && at - now > max) throw exceeds(maxExpiry!, req.expires_at);
    return { expiresIn: null, expiresAt: at };
  }
  const expiresIn: ExpiresIn = req.expires_in ?? ((maxExpiry as ExpiresIn | null) ?? "never");
  const d = durationMs(expiresIn);
  if (max !== null && (d === null || d > max)) throw exceeds(maxExpiry!, expiresIn);
  return { expiresIn, expiresAt: d === null ? null : now + d };
}

function exceeds(max: string, asked: string): AppError {
  return new AppError(
    ErrorCode.EXPIRY_EXCEEDS_POLICY,
    `The account allows keys to live at most ${max}; ${asked === "never" ? "a key that never expires" : asked} is longer.`,
  );
}
