import { resolveExpiry } from "../../core/keys/expiry";
import type { ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";

/**
 * The expiry rule that needs the clock, as keyform's planner words it: an `expires_at` being set must lie
 * in the future. (The account's max_expiry is the server's to check, at apply.)
 */
export function expiryDiagnostics(c: ObjectValue, now: number): Diagnostic[] {
  if (typeof c.expires_at !== "string") return [];
  const r = resolveExpiry({ expires_at: c.expires_at }, null, now);
  return r.ok ? [] : [error(r.violation.summary, r.violation.detail, "expires_at")];
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
