import { resourceOf } from "./expression";
import { isRotationDue } from "../../core/keys/rotation";
import { rotationDueIso, secretIssuedAt, sortedScopes, valueEqual } from "./plan-values";
import type {
  ActionReason,
  ChangeAction,
  CurrentState,
  DesiredKey,
  DesiredResource,
  Diagnostic,
  KeyValues,
  StateResource,
} from "./reconciler.types";

/**
 * One resource instance's plan: how it compares with its refreshed object, and which action and
 * reason follow (Terraform's rules, keyform's attributes).
 */

/** Everything the planner knows about one resource instance address. */
export interface PlanNode {
  address: string;
  desired?: DesiredResource;
  state?: StateResource;
  previousAddress?: string;
  importId?: string;
  /** Values as the stack last stored them (null for imports and new resources). */
  stored: KeyValues | null;
  /** Refreshed values (null: no object, or it vanished outside). */
  before: KeyValues | null;
  /** A state entry whose key was revoked or deleted outside the stack. */
  gone: boolean;
  driftAttrs: string[];
  regenerated: boolean;
  /** A due rotation with rotation_overlap: the secret is regenerated in place. */
  regenerate?: boolean;
  /** When the current secret was issued (ISO), for the plan's notes. */
  secretIssuedAt?: string;
  action: ChangeAction;
  tfActions: string[];
  actionReason?: ActionReason;
  reason?: string;
  replacePaths: string[][];
  updates: Array<keyof DesiredKey>;
  desiredKey?: DesiredKey;
  after: KeyValues | null;
  unknown: string[];
  dependencies: string[];
  selected: boolean;
}

export const CREATED_UNKNOWN = ["created_at", "id", "masked", "secret"];
/** Why an import block cannot be honoured, or null. Another account's key reads as non-existent. */
export function importRefusal(
  imp: { id: string; to: string },
  account: string | null,
  current: CurrentState,
  importedIds: Set<string>,
  nodes: Map<string, PlanNode>,
): { summary: string; detail: string } | null {
  if (!/^key_[0-9A-Za-z]{24}$/.test(imp.id)) {
    return {
      summary: "Invalid import id",
      detail: `"${imp.id}" is not a keyform key id (key_ followed by 24 characters). Import by id, never by secret: a legacy key is first added with POST /v1/accounts/:account/keys/import, then imported here by its id.`,
    };
  }
  if (importedIds.has(imp.id)) return { summary: "Duplicate import", detail: `Key ${imp.id} is imported to more than one address.` };
  const live = current.liveKeys[imp.id] ?? current.lookups.byId[imp.id];
  if (!live || (account !== null && live.account !== account)) {
    return {
      summary: "Cannot import non-existent remote object",
      detail: `While attempting to import an existing object to "${imp.to}", the provider detected that no object exists with the given id: there is no key ${imp.id} in account ${account ?? "(unknown)"}.`,
    };
  }
  if (live.revokedAt !== null || live.status !== "active") {
    return { summary: "Cannot import an inactive key", detail: `Key ${imp.id} is ${live.revokedAt !== null ? "revoked" : live.status}; only active keys can be imported.` };
  }
  if (live.stack !== null && live.stack !== current.stack) {
    // Which stack, and where, is that stack's business: not named here.
    return { summary: "Key is managed by another stack", detail: `Key ${imp.id} is managed by another stack; a key belongs to one stack at a time.` };
  }
  const holder = [...nodes.values()].find((n) => n.state?.keyId === imp.id);
  if (holder || live.stack === current.stack) {
    return { summary: "Resource already managed by Terraform", detail: `Key ${imp.id} is already managed by this stack as ${holder?.address ?? live.stackAddress ?? "another address"}; use a moved block to change its address.` };
  }
  return null;
}

/** Reasons are decided here; policy checks come later. */
export function planDesired(n: PlanNode, nodes: Map<string, PlanNode>, current: CurrentState, now: number, replace: string[], diagnostics: Diagnostic[]): void {
  const d = n.desired!;
  const b = n.before;
  const lc = d.lifecycle;
  const ignored = (attr: string) => b !== null && (lc.ignore_changes === "all" || lc.ignore_changes.includes(attr));
  const maxExpiry = d.account ? current.accounts[d.account]?.maxExpiry ?? null : null;

  const type = ignored("type") ? b!.type : d.args.type ?? b?.type ?? "live";
  const name = ignored("name") ? b!.name : d.args.name ?? b?.name ?? "";
  const scopes = ignored("scopes") ? b!.scopes : sortedScopes(d.args.scopes ?? []);
  const rotateEvery = ignored("rotate_every") ? b!.rotate_every : d.args.rotate_every;
  const rotationOverlap = ignored("rotation_overlap") ? b!.rotation_overlap : d.args.rotation_overlap;
  const account = ignored("account") ? b!.account : d.account ?? b?.account ?? "";
  const expiryIgnored = ignored("expires_in") || ignored("expires_at");
  const configuredAt = d.args.expires_at;
  const configuredIn = d.args.expires_in;

  const fresh = (): { key: DesiredKey; after: KeyValues; unknown: string[] } => {
    let expiresIn: string | null = null;
    let expiresAt: string | null = null;
    if (type !== "temp") {
      if (configuredAt !== null) expiresAt = configuredAt;
      else expiresIn = configuredIn ?? maxExpiry ?? "never";
    }
    const unknown = [...CREATED_UNKNOWN];
    if (type === "temp" || (expiresAt === null && expiresIn !== "never")) unknown.push("expires_at");
    if (rotateEvery !== null) unknown.push("rotation_due_at");
    const key: DesiredKey = { name, type, expires_in: expiresIn, expires_at: expiresAt, scopes, rotate_every: rotateEvery, rotation_overlap: rotationOverlap };
    const after: KeyValues = {
      account,
      created_at: null,
      expires_at: expiresAt,
      expires_in: expiresIn,
      id: null,
      last_used_at: null,
      masked: null,
      name,
      rotate_every: rotateEvery,
      rotation_due_at: null,
      rotation_overlap: rotationOverlap,
      scopes,
      status: "active",
      type,
    };
    return { key, after, unknown: unknown.sort() };
  };

  if (!b) {
    const f = fresh();
    Object.assign(n, { action: "create", tfActions: ["create"], desiredKey: f.key, after: f.after, unknown: f.unknown });
    return;
  }

  // rotate_every counts from the current secret's issue: creation, or the stack's last regeneration.
  const issuedAt = secretIssuedAt(n.state?.secretIssuedAt, b.created_at);
  const rotationDue = b.type !== "temp" && rotateEvery !== null && isRotationDue(issuedAt, rotateEvery, now);
  // With rotation_overlap a live key is regenerated in place (same id), its old secret living on for the overlap.
  const inPlace = rotationDue && b.type === "live" && rotationOverlap !== null && !n.importId;
  n.secretIssuedAt = new Date(issuedAt).toISOString();

  // Replacement causes, in Terraform's precedence: request, cannot-update, triggers, taint.
  const replacePaths: string[][] = [];
  if (d.args.type !== null && !ignored("type") && d.args.type !== b.type) replacePaths.push(["type"]);
  if (d.account !== null && !ignored("account") && d.account !== b.account) replacePaths.push(["account"]);
  let actionReason: ActionReason | undefined;
  let reason: string | undefined;
  if (replace.includes(n.address)) {
    actionReason = "replace_by_request";
    reason = "requested";
  } else if (replacePaths.length) {
    actionReason = "replace_because_cannot_update";
    reason = replacePaths.map((p) => `${p[0]}_changed`).join(",");
  } else if (triggered(d, nodes)) {
    actionReason = "replace_by_triggers";
    reason = "replace_triggered_by";
  } else if (b.type !== "temp" && b.status === "expired") {
    actionReason = "replace_because_tainted";
    reason = "expired";
  } else if (n.regenerated) {
    actionReason = "replace_because_tainted";
    reason = "regenerated_outside";
  } else if (rotationDue && !inPlace) {
    actionReason = "replace_because_tainted";
    reason = "rotate_every_due";
  }
  if (actionReason) {
    if (n.importId) {
      diagnostics.push({ severity: "error", summary: "Imported key would be replaced", detail: `Importing ${n.importId} to ${n.address} would replace it in the same plan (${reason}); make the configuration match the key first.`, address: n.address });
    }
    const f = fresh();
    Object.assign(n, {
      action: "replace",
      tfActions: d.lifecycle.create_before_destroy ? ["create", "delete"] : ["delete", "create"],
      actionReason,
      reason,
      replacePaths,
      desiredKey: f.key,
      after: f.after,
      unknown: f.unknown,
    });
    return;
  }

  // In-place updates.
  const updates: Array<keyof DesiredKey> = [];
  const after: KeyValues = { ...b, name, scopes, rotate_every: rotateEvery, rotation_overlap: rotationOverlap, rotation_due_at: rotationDueIso(issuedAt, rotateEvery) };
  const unknown: string[] = [];
  if (name !== b.name) updates.push("name");
  if (JSON.stringify(scopes) !== JSON.stringify(b.scopes)) updates.push("scopes");
  if (rotateEvery !== b.rotate_every) updates.push("rotate_every");
  if (rotationOverlap !== b.rotation_overlap) updates.push("rotation_overlap");
  let expiresIn = b.expires_in;
  let expiresAt = b.expires_in === null ? b.expires_at : null;
  if (b.type !== "temp" && !expiryIgnored) {
    if (configuredAt !== null && (!valueEqual("expires_at", configuredAt, b.expires_at) || b.expires_in !== null)) {
      updates.push("expires_at");
      after.expires_at = configuredAt;
      after.expires_in = null;
      expiresIn = null;
      expiresAt = configuredAt;
    } else if (configuredAt === null && configuredIn !== null && configuredIn !== b.expires_in) {
      updates.push("expires_in");
      after.expires_in = configuredIn;
      expiresIn = configuredIn;
      expiresAt = null;
      if (configuredIn === "never") after.expires_at = null;
      else unknown.push("expires_at");
    }
  }
  if (inPlace) {
    // A new secret: its masked form and rotation time follow from the apply, and so does the expiry of an expires_in key.
    unknown.push("masked", "rotation_due_at", "secret");
    if (after.expires_in !== null && after.expires_in !== "never" && !unknown.includes("expires_at")) unknown.push("expires_at");
    n.regenerate = true;
    n.reason = "rotation_due";
  }
  n.desiredKey = { name, type: b.type, expires_in: expiresIn, expires_at: expiresAt, scopes, rotate_every: rotateEvery, rotation_overlap: rotationOverlap };
  n.updates = updates.sort();
  n.after = after;
  n.unknown = unknown.sort();
  n.replacePaths = [];
  if (inPlace) {
    n.action = "update";
    n.tfActions = ["update"];
  } else if (n.importId) {
    n.action = "import";
    n.tfActions = updates.length ? ["update"] : ["no-op"];
  } else if (updates.length) {
    n.action = "update";
    n.tfActions = ["update"];
  } else {
    n.action = n.previousAddress ? "move" : "noop";
    n.tfActions = ["no-op"];
  }
}

/**
 * Steps that rename a key away from the name `n` takes, so apply frees a name before reusing it
 * (ordering only; not recorded as a dependency).
 */
export function nameReleasers(n: PlanNode, releasers: Map<string, PlanNode[]>): string[] {
  const claims = n.action === "create" || n.action === "replace" || n.updates.includes("name");
  if (!claims || !n.desiredKey || !n.desired) return [];
  const candidates = releasers.get(`${n.desired.account}\u0000${n.desiredKey.name}`);
  return candidates ? candidates.filter((m) => m !== n).map((m) => m.address) : [];
}

/**
 * Steps that rename a key away from its current name, indexed by (account, old name), in `all`'s order:
 * built once per plan so that `nameReleasers` is a lookup (scanning every node per node was O(n²)).
 */
export function releasersByName(all: PlanNode[]): Map<string, PlanNode[]> {
  const out = new Map<string, PlanNode[]>();
  for (const m of all) {
    if (!((m.action === "update" || m.action === "import") && m.updates.includes("name") && m.before)) continue;
    const k = `${m.before.account}\u0000${m.before.name}`;
    const list = out.get(k);
    if (list) list.push(m);
    else out.set(k, [m]);
  }
  return out;
}

/** replace_triggered_by: a referenced instance being updated or replaced (or the named attribute changing). */
function triggered(d: DesiredResource, nodes: Map<string, PlanNode>): boolean {
  for (const ref of d.lifecycle.replace_triggered_by) {
    for (const t of nodes.values()) {
      if (t.address !== ref.address && resourceOf(t.address) !== ref.address) continue;
      if (!t.desired || !t.before) continue;
      if (t.action === "replace") return true;
      if ((t.action === "update" || t.action === "import") && t.updates.length) {
        if (ref.attribute === null) return true;
        if (t.unknown.includes(ref.attribute)) return true;
        const attr = ref.attribute as keyof KeyValues;
        if (t.after && !valueEqual(attr, t.before[attr], t.after[attr])) return true;
      }
    }
  }
  return false;
}
