import { ErrorCode } from "../errors";
import { quoteSome, type Violation } from "../violation";

/** Scopes such as `alerts:send`, `keys:read`: at most 64 per key, each at most 128 characters. */
export const SCOPE_PATTERN = "^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)*$";
export const MAX_SCOPES = 64;
export const MAX_SCOPE_LENGTH = 128;
const SCOPE_RE = new RegExp(SCOPE_PATTERN);

/** A key's scopes as stored: a sorted set. */
export function normalizeScopes(scopes: readonly string[] | undefined): string[] {
  return [...new Set(scopes ?? [])].sort();
}

export function scopesViolation(scopes: readonly string[]): Violation | null {
  const bad = scopes.filter((s) => !SCOPE_RE.test(s) || s.length > MAX_SCOPE_LENGTH);
  if (bad.length) {
    return {
      code: ErrorCode.VALIDATION_FAILED, summary: "Invalid scopes", field: "scopes",
      detail: `Scopes must look like "alerts:send" (at most ${MAX_SCOPE_LENGTH} characters); invalid: ${quoteSome(bad)}.`,
    };
  }
  if (scopes.length > MAX_SCOPES) {
    return { code: ErrorCode.VALIDATION_FAILED, summary: "Too many scopes", field: "scopes", detail: `A key holds at most ${MAX_SCOPES} scopes; got ${scopes.length}.` };
  }
  return null;
}
