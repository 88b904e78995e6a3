import type { ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";
import { DURATION_PATTERN } from "./schema";

/** Checks that need the clock: an expires_at being set must lie in the future. */
export function validateExpiryAtPlan(c: ObjectValue, now: number): Diagnostic[] {
  if (typeof c.expires_at !== "string") return [];
  const at = Date.parse(c.expires_at);
  if (!Number.isNaN(at) && at <= now) {
    return [error("expires_at is in the past", `expires_at ${c.expires_at} must be in the future.`, "expires_at")];
  }
  return [];
}

/** Milliseconds in a `rotate_every` such as `90d`, or null when not a duration. */
export function durationMs(text: string): number | null {
  const m = new RegExp(DURATION_PATTERN).exec(text);
  if (!m) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, y: 365 * 86_400_000 }[m[1] as "s"];
  return Number(text.slice(0, -1)) * unit;
}

/**
 * Whether a secret still matches the masked form the server shows (`kf_live_Tg2c…KiON`): after a
 * regeneration outside Terraform, the secret in state is dead and the key must be replaced.
 */
export function secretMatchesMasked(secret: string, masked: string): boolean {
  const parts = masked.split(/…|\.\.\./);
  if (parts.length !== 2) return true;
  return secret.startsWith(parts[0]) && secret.endsWith(parts[1]);
}
