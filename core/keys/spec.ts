import { ErrorCode } from "../errors";
import { quote, type Violation } from "../violation";
import { MAX_GRACE_PERIOD, parseDuration, resolveExpiry, type ResolvedExpiry } from "./expiry";
import type { KeyType } from "./key";
import { nameViolation } from "./names";
import { overlapMs } from "./rotation";
import { scopesViolation } from "./scopes";
import { tempTermsText, type KeyTerms } from "./terms";

/** What a caller asks a key to be: on create everything, on a change only what it sets (undefined: left as is). */
export interface KeyRequest {
  name?: string;
  /** The new key's type, or the changed key's. */
  type: KeyType;
  expires_in?: string;
  expires_at?: string;
  scopes?: readonly string[];
  rotate_every?: string;
  rotation_overlap?: string;
}

export interface KeyRequestContext {
  /** A new key: everything is judged, and its expiry resolved even when the request gives none. */
  creating: boolean;
  /** Importing an existing legacy key: a new row of type legacy, which creating may not make. */
  importing?: boolean;
  /** The account's `max_expiry`. */
  maxExpiry: string | null;
  terms: KeyTerms;
  now: number;
}

/** A legacy (UUID) key is imported, never created: the refusal every path gives a request to create one. */
export function legacyViolation(): Violation & { field: string } {
  return {
    code: ErrorCode.LEGACY_KEYS_CANNOT_BE_CREATED, summary: "Legacy keys cannot be created", field: "type",
    detail: "Legacy (UUID) keys are imported and verified, never generated: import the existing key (POST …/keys/import, then an import block), or use type \"live\".",
  };
}

/**
 * Every rule on what a key may be — type, name, expiry within the account's policy, scopes, rotation —
 * for every path that makes or changes one (REST, the reconciler's plan and apply, the Terraform
 * provider). Returns the violations, and the expiry to store when the request sets one.
 */
export function checkKeyRequest(req: KeyRequest, ctx: KeyRequestContext): { violations: Violation[]; expiry: ResolvedExpiry | null } {
  const violations: Violation[] = [];
  let expiry: ResolvedExpiry | null = null;
  if (ctx.creating && !ctx.importing && req.type === "legacy") {
    violations.push(legacyViolation());
  }
  if (req.name !== undefined) {
    const v = nameViolation(req.name);
    if (v) violations.push(v);
  }
  const setsExpiry = req.expires_in !== undefined || req.expires_at !== undefined;
  if (req.type === "temp") {
    if (setsExpiry) {
      violations.push({
        code: ErrorCode.VALIDATION_FAILED, summary: "Temp keys take no expiry", field: req.expires_in !== undefined ? "expires_in" : "expires_at",
        detail: `A temp key is valid for ${tempTermsText(ctx.terms)}; remove expires_in and expires_at.`,
      });
    }
  } else if (ctx.creating || setsExpiry) {
    const r = resolveExpiry({ expires_in: req.expires_in, expires_at: req.expires_at }, ctx.maxExpiry, ctx.now);
    if (r.ok) expiry = r.value;
    else violations.push(r.violation);
  }
  if (req.scopes !== undefined) {
    const v = scopesViolation(req.scopes);
    if (v) violations.push(v);
  }
  if (req.rotate_every !== undefined && !((parseDuration(req.rotate_every) ?? 0) > 0)) {
    violations.push({
      code: ErrorCode.VALIDATION_FAILED, summary: "Invalid rotate_every", field: "rotate_every",
      detail: `rotate_every must be a positive duration such as 30d, 12h or 1y; got ${quote(req.rotate_every)}.`,
    });
  }
  if (req.rotation_overlap !== undefined) {
    if (overlapMs(req.rotation_overlap) === null) {
      violations.push({
        code: ErrorCode.VALIDATION_FAILED, summary: "Invalid rotation_overlap", field: "rotation_overlap",
        detail: `rotation_overlap must be a positive duration of at most ${MAX_GRACE_PERIOD}, such as 12h or 30m; got ${quote(req.rotation_overlap)}.`,
      });
    } else if (req.type === "temp") {
      violations.push({ code: ErrorCode.VALIDATION_FAILED, summary: "Temp keys take no rotation_overlap", field: "rotation_overlap", detail: "A temp key is never regenerated; remove rotation_overlap." });
    }
  }
  return { violations, expiry };
}
