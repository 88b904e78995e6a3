import { rotationDueAt } from "../../core/keys/rotation";
import { parseAddress } from "./expression";
import type { KeyValues, LiveKey, ResourceChangeEntry, StateResource, ValuesResource } from "./reconciler.types";

/** Terraform's provider address for keyform (source `keyform/keyform`). */
export const PROVIDER_NAME = "registry.terraform.io/keyform/keyform";
export const RESOURCE_TYPE = "keyform_api_key";

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Instants compare as instants; `2027-01-01T00:00:00Z` equals `2027-01-01T00:00:00.000Z`. */
export function sameInstant(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isNaN(ta) || Number.isNaN(tb) ? a === b : ta === tb;
}

export const sortedScopes = (scopes: readonly string[]): string[] => [...new Set(scopes)].sort();

/**
 * Scopes in `order` (the configured order, or the state's) when they are the same set, else sorted as
 * the server keeps them: terraform-provider-keyform keeps the configured order the same way, and
 * Terraform shows lists in that order.
 */
export function orderedLike(order: readonly string[] | undefined | null, scopes: readonly string[]): string[] {
  const sorted = sortedScopes(scopes);
  if (!order) return sorted;
  const kept = [...new Set(order)];
  return kept.length === sorted.length && [...kept].sort().every((s, i) => s === sorted[i]) ? kept : sorted;
}

/** What the stack keeps about a key's rotation: its arguments, and when its current secret was issued. */
export interface RotationState {
  rotate_every: string | null;
  rotation_overlap: string | null;
  /** ISO; absent: the key's creation. */
  secretIssuedAt?: string;
}

export const rotationStateOf = (r: StateResource): RotationState => ({
  rotate_every: r.attributes.rotate_every,
  rotation_overlap: r.attributes.rotation_overlap ?? null,
  ...(r.secretIssuedAt ? { secretIssuedAt: r.secretIssuedAt } : {}),
});

/** When the current secret was issued, in ms (the key's creation unless the stack regenerated it). */
export function secretIssuedAt(issuedAt: string | undefined, createdAt: string | null): number {
  return Date.parse(issuedAt ?? createdAt ?? "");
}

/** `rotation_due_at` as Terraform shows it. */
export function rotationDueIso(issuedAt: number, rotateEvery: string | null): string | null {
  return iso(rotationDueAt(issuedAt, rotateEvery));
}

/** The object as the stack last wrote it. */
export function storedValues(r: StateResource): KeyValues {
  const a = r.attributes;
  return {
    account: r.account,
    created_at: a.created_at,
    expires_at: a.expires_at,
    expires_in: a.expires_in,
    id: r.keyId,
    last_used_at: null,
    masked: a.masked,
    name: a.name,
    rotate_every: a.rotate_every,
    rotation_due_at: rotationDueIso(secretIssuedAt(r.secretIssuedAt, a.created_at), a.rotate_every),
    rotation_overlap: a.rotation_overlap ?? null,
    scopes: [...new Set(a.scopes)],
    status: "active",
    type: a.type,
  };
}

/** The object as the database holds it now (refresh). The rotation arguments live only in stack state. */
export function liveValues(k: LiveKey, rotation: RotationState | null, now: number, stateScopes?: readonly string[]): KeyValues {
  const rotateEvery = rotation?.rotate_every ?? null;
  return {
    account: k.account,
    created_at: iso(k.createdAt),
    expires_at: iso(k.expiresAt),
    expires_in: k.expiresIn,
    id: k.id,
    last_used_at: iso(k.lastUsedAt),
    masked: k.masked,
    name: k.name,
    rotate_every: rotateEvery,
    rotation_due_at: rotationDueIso(secretIssuedAt(rotation?.secretIssuedAt, iso(k.createdAt)), rotateEvery),
    rotation_overlap: rotation?.rotation_overlap ?? null,
    scopes: orderedLike(stateScopes, k.scopes),
    status: effectiveStatus(k, now),
    type: k.type,
  };
}

/** Status as of `now`, so a plan made a second after expiry sees the key expired. */
export function effectiveStatus(k: LiveKey, now: number): LiveKey["status"] {
  if (k.revokedAt !== null || k.status === "revoked") return "revoked";
  if (k.status === "active" && k.expiresAt !== null && k.expiresAt <= now) return "expired";
  return k.status;
}

/** Attributes whose difference between stored state and the database is drift (last_used_at is not). */
export const DRIFT_ATTRIBUTES = ["account", "expires_at", "expires_in", "masked", "name", "scopes", "status", "type"] as const;

export function differingAttributes(a: Partial<KeyValues>, b: Partial<KeyValues>, attrs: readonly (keyof KeyValues)[]): string[] {
  return attrs.filter((k) => !valueEqual(k, a[k], b[k]));
}

export function valueEqual(attr: string, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Scopes are a set: their order (configured, stored) is shown, never a change.
  if (attr === "scopes" && Array.isArray(a) && Array.isArray(b)) return JSON.stringify(sortedScopes(a as string[])) === JSON.stringify(sortedScopes(b as string[]));
  if (attr === "expires_at" || attr === "created_at" || attr === "last_used_at") {
    return sameInstant((a as string | null) ?? null, (b as string | null) ?? null);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Shapes (`*_sensitive`, `after_unknown`) depend only on the number of scopes and the unknown attributes:
 * one object per distinct shape, shared by every resource of a plan (four or five per resource otherwise).
 * They are read-only (frozen), like the rest of a plan.
 */
const shapes = new Map<string, Record<string, unknown>>();
const SHAPES_MAX = 1000;
function sharedShape(key: string, make: () => Record<string, unknown>): Record<string, unknown> {
  let shape = shapes.get(key);
  if (!shape) {
    // Frozen, lists too: a shape is shared by every plan of the process, so a write would be a bug that throws.
    shape = Object.freeze(make());
    for (const v of Object.values(shape)) if (Array.isArray(v)) Object.freeze(v);
    if (shapes.size < SHAPES_MAX) shapes.set(key, shape);
  }
  return shape;
}

/** Terraform's `*_sensitive` object: secret is sensitive; lists carry one `false` per element. */
export function sensitiveShape(v: Partial<KeyValues> | null, extra: readonly string[] = []): Record<string, unknown> | false {
  if (!v) return false;
  const n = (v.scopes ?? []).length;
  // Arguments built from a sensitive variable are sensitive as a whole (scopes too).
  return sharedShape(`s${n}:${extra.join(",")}`, () => {
    const out: Record<string, unknown> = { scopes: extra.includes("scopes") ? true : new Array<boolean>(n).fill(false), secret: true };
    for (const k of extra) if (k !== "scopes") out[k] = true;
    return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
  });
}

/** Terraform's `after_unknown` object for a planned value. */
export function unknownShape(after: Partial<KeyValues> | null, unknown: readonly string[]): Record<string, unknown> | false {
  if (!after) return false;
  const n = after.scopes ? after.scopes.length : -1;
  return sharedShape(`u${n}:${unknown.join(",")}`, () => {
    const out: Record<string, unknown> = {};
    for (const k of [...unknown, ...(after.scopes ? ["scopes"] : [])].sort()) {
      out[k] = k === "scopes" ? new Array<boolean>(n).fill(false) : true;
    }
    return out;
  });
}

/** Drops unknown attributes from a value (Terraform leaves them out of `after`). */
export function knownPart(v: KeyValues, unknown: readonly string[]): Partial<KeyValues> {
  const out: Partial<KeyValues> = {};
  for (const k of sortedKeys(v) as (keyof KeyValues)[]) {
    if (!unknown.includes(k)) (out as Record<string, unknown>)[k] = v[k];
  }
  return out;
}

/** An object's keys in sorted order; sorted only when they are not already (key values are built in order). */
export function sortedKeys(v: object): string[] {
  const keys = Object.keys(v);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

export function addressParts(address: string): { mode: "managed" | "data"; type: string; name: string; index?: number | string } {
  return parseAddress(address) ?? { mode: "managed", type: RESOURCE_TYPE, name: address };
}

export function changeEntry(
  address: string,
  change: ResourceChangeEntry["change"],
  extra: { previous_address?: string; action_reason?: ResourceChangeEntry["action_reason"] } = {},
): ResourceChangeEntry {
  const p = addressParts(address);
  const entry: ResourceChangeEntry = { address, mode: p.mode, type: p.type, name: p.name } as ResourceChangeEntry;
  if (p.index !== undefined) entry.index = p.index;
  if (extra.previous_address) entry.previous_address = extra.previous_address;
  entry.provider_name = PROVIDER_NAME;
  entry.change = change;
  if (extra.action_reason) entry.action_reason = extra.action_reason;
  return entry;
}

export function valuesResource(address: string, values: Partial<KeyValues>, sensitive: Record<string, unknown>): ValuesResource {
  const p = addressParts(address);
  const r = { address, mode: p.mode, type: p.type, name: p.name } as ValuesResource;
  if (p.index !== undefined) r.index = p.index;
  r.provider_name = PROVIDER_NAME;
  r.schema_version = 0;
  r.values = values;
  r.sensitive_values = sensitive;
  return r;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** A copy with object keys sorted, so key order in the input never changes the output. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of sortedKeys(v)) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
