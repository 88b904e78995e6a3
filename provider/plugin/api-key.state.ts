import type { KeyView } from "../../client/src";
import { isUnknown, type ObjectValue, type Value } from "./cty";

/**
 * New state after an apply: what was planned, with the server's values where the plan had none.
 * `secret` is the one the server returned, or null when the caller supplied it (`secret_wo`) or none
 * was issued; write-only `secret_wo` is always null.
 */
export function stateFromView(view: KeyView, planned: ObjectValue, secret: Value, rotationDueAt: string | null): ObjectValue {
  const pick = (attr: string, fromServer: Value): Value => (isUnknown(planned[attr]) ? fromServer : planned[attr]);
  return {
    ...planned,
    id: view.id,
    type: pick("type", view.type),
    expires_in: pick("expires_in", view.expires_in),
    scopes: isUnknown(planned.scopes) ? view.scopes : planned.scopes,
    account: pick("account", view.account),
    expires_at: pick("expires_at", view.expires_at),
    secret_wo: null,
    secret: isUnknown(secret) ? null : secret,
    masked: pick("masked", view.masked),
    created_at: pick("created_at", view.created_at),
    last_used_at: pick("last_used_at", view.last_used_at),
    rotation_due_at: pick("rotation_due_at", rotationDueAt),
  };
}

export const str = (v: Value): string | null => (typeof v === "string" ? v : null);

export function sameInstant(a: Value, b: string | null): boolean {
  if (typeof a !== "string" || b === null) return a === b;
  return Date.parse(a) === Date.parse(b);
}

/** The server keeps scopes as a sorted set: the configured order (or null for none) is kept when equal. */
export function sameScopes(configured: Value, server: string[]): boolean {
  if (configured === null) return server.length === 0;
  if (!Array.isArray(configured)) return false;
  const a = [...new Set(configured)].sort();
  const b = [...new Set(server)].sort();
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** An apply that changed the key and then failed: Terraform must keep what did change (a new secret). */
export class PartialApplyError extends Error {
  constructor(
    readonly state: ObjectValue,
    readonly privateData: Buffer,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}
