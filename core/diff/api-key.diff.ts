import { isRotationDue } from "../keys/rotation";
import type { KeyType } from "../keys/key";
import { apiKeySchema } from "../schema/api-key.schema";

/**
 * One `keyform_api_key` instance: what its configuration asks of the key it has (or of a new one), and
 * why. The reconciler's planner and the Terraform provider's PlanResourceChange both decide with this
 * function and only translate the answer (a plan step and Terraform JSON; a planned object with
 * requires_replace).
 */

/** The key an instance has: refreshed from the server (reconciler) or prior state (provider). */
export interface PriorKey {
  type: KeyType;
  account: string;
  name: string;
  scopes: readonly string[];
  expires_in: string | null;
  expires_at: string | null;
  rotate_every: string | null;
  rotation_overlap: string | null;
  /** When its current secret was issued (epoch ms): creation, or the last regeneration. */
  secretIssuedAt: number;
  /** Past its expiry: a live or legacy key is replaced by a new one (a temp key only on request). */
  expired: boolean;
  /** Its secret was regenerated outside the stack/Terraform, so the secret they hold is dead. */
  regeneratedOutside: boolean;
  /** The `secret_wo_version` it was last given a secret for (provider), null without. */
  secretVersion?: number | null;
}

/** What the configuration sets; null: not set (a default or the prior value applies). */
export interface DesiredArgs {
  type: KeyType | null;
  account: string | null;
  name: string | null;
  /** Compared as a set. */
  scopes: readonly string[] | null;
  expires_in: string | null;
  expires_at: string | null;
  rotate_every: string | null;
  rotation_overlap: string | null;
  /** The secret comes from `secret_wo` (provider): a due rotation cannot make one up. */
  secretSupplied?: boolean;
  secretVersion?: number | null;
}

export interface DiffOptions {
  now: number;
  /** `--replace` / `terraform -replace`. */
  replaceRequested?: boolean;
  /** `lifecycle.replace_triggered_by` fired. */
  triggered?: boolean;
  /** `lifecycle.ignore_changes`: arguments whose configured value does not count. */
  ignored?: (attribute: string) => boolean;
  /** The key is being imported in this plan: it is adopted as it is, never regenerated on the way in. */
  importing?: boolean;
}

export type ReplaceCause = "requested" | "cannot_update" | "triggered" | "expired" | "regenerated_outside" | "rotate_every_due";
export type UpdatedArgument = "name" | "scopes" | "expires_in" | "expires_at" | "rotate_every" | "rotation_overlap";

export interface KeyDiff {
  action: "create" | "replace" | "update" | "noop";
  /** Why a replacement, in Terraform's precedence: request, cannot update, triggers, taint. */
  cause?: ReplaceCause;
  /** Arguments whose change forces a new key (from the schema's `forcesReplacement`). */
  replacePaths: string[];
  /** Arguments changed in place (for an update, or kept apart when a replacement wins). */
  updates: UpdatedArgument[];
  /** A new secret for the same key (same id, usage kept), and why. */
  regenerate: "rotation_due" | "secret_version" | null;
  /** rotate_every has passed since the secret was issued (whatever is done about it). */
  rotationDue: boolean;
  /**
   * The key expired and its configured `expires_at` has passed too: a new key could not be made, so
   * none is planned (the instance stays as it is and says why) instead of failing every plan.
   */
  expiredInPast: boolean;
}

/** Arguments whose change cannot be made in place. */
export const FORCES_REPLACEMENT: readonly string[] = apiKeySchema.attributes.filter((a) => a.forcesReplacement).map((a) => a.tfName);

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((s, i) => s === y[i]);
};
const sameInstant = (a: string | null, b: string | null) => (a === null || b === null ? a === b : Date.parse(a) === Date.parse(b));

export function diffApiKey(prior: PriorKey | null, desired: DesiredArgs, opts: DiffOptions): KeyDiff {
  const none: KeyDiff = { action: "create", replacePaths: [], updates: [], regenerate: null, rotationDue: false, expiredInPast: false };
  if (prior === null) return none;
  const ignored = (a: string) => opts.ignored?.(a) ?? false;
  const wanted = <T>(attr: string, configured: T | null, current: T): T => (ignored(attr) || configured === null ? current : configured);

  const replacePaths = FORCES_REPLACEMENT.filter((attr) => {
    const configured = attr === "type" ? desired.type : attr === "account" ? desired.account : null;
    return configured !== null && !ignored(attr) && configured !== (prior as unknown as Record<string, unknown>)[attr];
  });

  const rotateEvery = ignored("rotate_every") ? prior.rotate_every : desired.rotate_every;
  const rotationOverlap = ignored("rotation_overlap") ? prior.rotation_overlap : desired.rotation_overlap;
  const rotationDue = prior.type !== "temp" && rotateEvery !== null && isRotationDue(prior.secretIssuedAt, rotateEvery, opts.now);
  const versionBump = desired.secretVersion != null && desired.secretVersion !== (prior.secretVersion ?? null);
  // With rotation_overlap (or a secret the caller supplies) a due rotation regenerates in place; a secret
  // from secret_wo is rotated only by a new secret_wo_version, never made up.
  const rotateInPlace = rotationDue && prior.type === "live" && !opts.importing && (rotationOverlap !== null || desired.secretSupplied === true);
  const expiresAt = ignored("expires_at") ? prior.expires_at : desired.expires_at;
  const expiredInPast = prior.type !== "temp" && prior.expired && expiresAt !== null && Date.parse(expiresAt) <= opts.now;

  let cause: ReplaceCause | undefined;
  if (opts.replaceRequested) cause = "requested";
  else if (replacePaths.length) cause = "cannot_update";
  else if (opts.triggered) cause = "triggered";
  else if (prior.type !== "temp" && prior.expired && !expiredInPast) cause = "expired";
  else if (prior.regeneratedOutside && !desired.secretSupplied) cause = "regenerated_outside";
  else if (rotationDue && !rotateInPlace) cause = "rotate_every_due";

  const updates: UpdatedArgument[] = [];
  if (wanted("name", desired.name, prior.name) !== prior.name) updates.push("name");
  if (!ignored("scopes") && desired.scopes !== null && !sameSet(desired.scopes, prior.scopes)) updates.push("scopes");
  if (desired.scopes === null && !ignored("scopes") && prior.scopes.length > 0) updates.push("scopes");
  if (rotateEvery !== prior.rotate_every) updates.push("rotate_every");
  if (rotationOverlap !== prior.rotation_overlap) updates.push("rotation_overlap");
  if (prior.type !== "temp" && !ignored("expires_in") && !ignored("expires_at")) {
    if (desired.expires_at !== null) {
      if (!sameInstant(desired.expires_at, prior.expires_at) || prior.expires_in !== null) updates.push("expires_at");
    } else if (desired.expires_in !== null && desired.expires_in !== prior.expires_in) {
      updates.push("expires_in");
    }
  }

  if (cause) return { action: "replace", cause, replacePaths, updates: updates.sort(), regenerate: null, rotationDue, expiredInPast };
  if (expiredInPast) return { action: "noop", replacePaths: [], updates: [], regenerate: null, rotationDue, expiredInPast };
  const regenerate = versionBump ? "secret_version" : rotateInPlace && !desired.secretSupplied ? "rotation_due" : null;
  return { action: updates.length || regenerate ? "update" : "noop", replacePaths: [], updates: updates.sort(), regenerate, rotationDue, expiredInPast };
}
