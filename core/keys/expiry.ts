import { ErrorCode } from "../errors";
import { ok, quote, refused, type Checked, type Violation } from "../violation";

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

/** An `expires_in` choice in milliseconds; null for `never`. */
export function expiresInMs(e: ExpiresIn): number | null {
  return e === "never" ? null : DURATIONS[e];
}

export const isExpiresIn = (v: unknown): v is ExpiresIn => typeof v === "string" && (EXPIRES_IN as readonly string[]).includes(v);

/** The longest grace period an old secret may get (regenerate, `rotation_overlap`). */
export const MAX_GRACE_PERIOD = "24h";
export const MAX_GRACE_MS = 24 * 60 * 60 * 1000;

/** What `parseDuration` accepts (`rotate_every`, `rotation_overlap`, grace periods): digits and one unit of s m h d y. */
export const DURATION_PATTERN = "^[0-9]{1,6}(s|m|h|d|y)$";
const DURATION_RE = new RegExp(DURATION_PATTERN);

/** Parses `90d`, `12h`, `30m`, `45s`, `1y` (= 365 days) into milliseconds. */
export function parseDuration(text: string): number | null {
  if (!DURATION_RE.test(text)) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: DAY, y: 365 * DAY }[text.slice(-1) as "s" | "m" | "h" | "d" | "y"];
  return Number(text.slice(0, -1)) * unit;
}

export interface ExpiryRequest {
  expires_in?: string;
  expires_at?: string;
}

export interface ResolvedExpiry {
  expiresIn: ExpiresIn | null;
  /** Epoch ms; null: never expires. */
  expiresAt: number | null;
}

/**
 * Turns `expires_in` / `expires_at` into the stored pair, within the account's `max_expiry`. Without
 * either, a key never expires unless the account has a policy, whose maximum is then its lifetime.
 */
export function resolveExpiry(req: ExpiryRequest, maxExpiry: string | null, now: number): Checked<ResolvedExpiry> {
  if (req.expires_in !== undefined && req.expires_at !== undefined) {
    return refused({ code: ErrorCode.VALIDATION_FAILED, summary: "Conflicting expiry", detail: "Give expires_in or expires_at, not both.", field: "expires_at" });
  }
  const max = maxExpiry ? DURATIONS[maxExpiry as keyof typeof DURATIONS] : null;
  if (req.expires_at !== undefined) {
    const at = Date.parse(req.expires_at);
    if (Number.isNaN(at) || at <= now) return refused(pastExpiresAt(req.expires_at));
    if (max !== null && at - now > max) return refused(exceeds(maxExpiry!, req.expires_at));
    return ok({ expiresIn: null, expiresAt: at });
  }
  if (req.expires_in !== undefined && !isExpiresIn(req.expires_in)) {
    return refused({
      code: ErrorCode.VALIDATION_FAILED, summary: "Invalid expires_in", field: "expires_in",
      detail: `expires_in must be one of ${EXPIRES_IN.join(", ")}; got ${quote(req.expires_in)}.`,
    });
  }
  const expiresIn: ExpiresIn = (req.expires_in as ExpiresIn | undefined) ?? ((maxExpiry as ExpiresIn | null) ?? "never");
  const d = expiresInMs(expiresIn);
  if (max !== null && (d === null || d > max)) return refused(exceeds(maxExpiry!, expiresIn));
  return ok({ expiresIn, expiresAt: d === null ? null : now + d });
}

export function pastExpiresAt(value: string): Violation {
  return {
    code: ErrorCode.VALIDATION_FAILED, summary: "Invalid expires_at", field: "expires_at",
    detail: `expires_at must be an RFC 3339 time in the future; got ${quote(value)}.`,
  };
}

function exceeds(max: string, asked: string): Violation {
  return {
    code: ErrorCode.EXPIRY_EXCEEDS_POLICY, summary: "Expiry exceeds policy",
    detail: `The account allows keys to live at most ${max}; ${asked === "never" ? "a key that never expires" : asked} is longer.`,
  };
}
