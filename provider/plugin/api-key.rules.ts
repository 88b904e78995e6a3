import { isSet, isUnknown, type ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";
import { DURATION_PATTERN, EXPIRES_IN, KEY_TYPES, NAME_PATTERN } from "./schema";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const ACCOUNT_PATTERN = /^[a-z0-9-]{1,64}$/;
const SCOPE_PATTERN = /^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)*$/;

/**
 * The key rules Terraform can check before talking to the server (the same the REST API and the
 * reconciler enforce). Unknown values are skipped: they are checked again once known, at apply.
 */
export function validateApiKeyConfig(c: ObjectValue): Diagnostic[] {
  const diags: Diagnostic[] = [];
  if (typeof c.name === "string" && !NAME_PATTERN.test(c.name)) {
    diags.push(error("Invalid key name", `"${c.name}" must be 1-128 characters of A-Z a-z 0-9 - _.`, "name"));
  }
  if (typeof c.type === "string" && !(KEY_TYPES as readonly string[]).includes(c.type)) {
    diags.push(error("Invalid key type", `type must be one of ${KEY_TYPES.join(", ")}, got "${c.type}".`, "type"));
  }
  if (typeof c.expires_in === "string" && !(EXPIRES_IN as readonly string[]).includes(c.expires_in)) {
    diags.push(error("Invalid expires_in", `expires_in must be one of ${EXPIRES_IN.join(", ")}, got "${c.expires_in}".`, "expires_in"));
  }
  if (typeof c.expires_at === "string" && (!RFC3339.test(c.expires_at) || Number.isNaN(Date.parse(c.expires_at)))) {
    diags.push(error("Invalid expires_at", `expires_at must be an RFC 3339 time such as 2030-01-01T00:00:00Z, got "${c.expires_at}".`, "expires_at"));
  }
  if (isSet(c.expires_in) && isSet(c.expires_at)) {
    diags.push(error("Conflicting expiry", "Give expires_in or expires_at, not both.", "expires_at"));
  }
  if (c.type === "temp") {
    for (const attr of ["expires_in", "expires_at"] as const) {
      if (isSet(c[attr])) {
        diags.push(error("Temp keys take no expiry", `A temp key lives 5 minutes or 10 verifications; remove ${attr}.`, attr));
      }
    }
  }
  if (typeof c.rotate_every === "string" && !DURATION_PATTERN.test(c.rotate_every)) {
    diags.push(error("Invalid rotate_every", `rotate_every must be a count and a unit (s, m, h, d, y) such as 90d, got "${c.rotate_every}".`, "rotate_every"));
  }
  if (typeof c.account === "string" && !ACCOUNT_PATTERN.test(c.account)) {
    diags.push(error("Invalid account", `account must be 1-64 characters of a-z 0-9 -, got "${c.account}".`, "account"));
  }
  if (Array.isArray(c.scopes)) {
    const bad = c.scopes.filter((s) => typeof s !== "string" || !SCOPE_PATTERN.test(s));
    if (bad.length > 0) diags.push(error("Invalid scopes", `Not a scope: ${bad.map((s) => JSON.stringify(s)).join(", ")}.`, "scopes"));
  }
  return diags;
}

/** Checks that need the clock: an expires_at being set must lie in the future. */
export function validateExpiryAtPlan(c: ObjectValue, now: number): Diagnostic[] {
  if (typeof c.expires_at !== "string" || isUnknown(c.expires_at)) return [];
  const at = Date.parse(c.expires_at);
  if (!Number.isNaN(at) && at <= now) {
    return [error("expires_at is in the past", `expires_at ${c.expires_at} must be in the future.`, "expires_at")];
  }
  return [];
}

/** Milliseconds in a `rotate_every` such as `90d`, or null when not a duration. */
export function durationMs(text: string): number | null {
  const m = DURATION_PATTERN.exec(text);
  if (!m) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, y: 365 * 86_400_000 }[m[2] as "s"];
  return Number(m[1]) * unit;
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
