import { resourceOf } from "./expression";
import { diffApiKey, type ReplaceCause } from "../../core/diff/api-key.diff";
import { rotationDueIso, secretIssuedAt, valueEqual } from "./plan-values";
import { resolveDeferred } from "./deferred";
import type {
  ActionReason,
  ChangeAction,
  CurrentState,
  DeferredString,
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

/** Stands for a name known only after apply in the per-instance diff: equal to no name. */
const UNKNOWN_NAME = "\u0000(known after apply)";

/**
 * An attribute of a planned instance, if the plan knows it: not for a key this plan creates or replaces
 * (apply makes it), nor for one the plan leaves unknown; undefined then.
 */
export function plannedAttribute(m: PlanNode | undefined, attribute: string): unknown {
  if (!m || m.action === "create" || m.action === "replace" || m.unknown.includes(attribute)) return undefined;
  const values = (m.after ?? m.before) as Record<string, unknown> | null;
  const v = values?.[attribute];
  return v === null ? undefined : v;
}
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
  let d = n.desired!;
  const b = n.before;
  const lc = d.lifecycle;
  const ignored = (attr: string) => b !== null && (lc.ignore_changes === "all" || lc.ignore_changes.includes(attr));
  const maxExpiry = d.account ? current.accounts[d.account]?.maxExpiry ?? null : null;

  // A name built from other keys' attributes: known now if they are (keys this plan does not create), else after apply.
  let deferredName: DeferredString | undefined;
  if (d.deferred?.name && !ignored("name")) {
    const resolved = resolveDeferred(d.deferred.name, (ref) => plannedAttribute(nodes.get(ref.address), ref.attribute ?? ""));
    if (resolved !== null) n.desired = d = { ...d, args: { ...d.args, name: resolved }, deferred: undefined };
    else deferredName = d.deferred.name;
  }

  const type = ignored("type") ? b!.type : d.args.type ?? b?.type ?? "live";
  const name = ignored("name") ? b!.name : d.args.name ?? (deferredName ? "" : b?.name ?? "");
  // In the configured order (Terraform shows lists as configured); compared as sets.
  const scopes = ignored("scopes") ? b!.scopes : [...new Set(d.args.scopes ?? [])];
  const rotateEvery = ignored("rotate_every") ? b!.rotate_every : d.args.rotate_every;
  const rotationOverlap = ignored("rotation_overlap") ? b!.rotation_overlap : d.args.rotation_overlap;
  const account = ignored("account") ? b!.account : d.account ?? b?.account ?? "";
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
    if (deferredName) unknown.push("name");
    const key: DesiredKey = { name, type, expires_in: expiresIn, expires_at: expiresAt, scopes, rotate_every: rotateEvery, rotation_overlap: rotationOverlap };
    if (deferredName) key.deferredName = deferredName;
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
  n.secretIssuedAt = new Date(issuedAt).toISOString();
  // The one per-instance decision (core/diff), shared with the Terraform provider.
  const diff = diffApiKey(
    {
      type: b.type, account: b.account, name: b.name, scopes: b.scopes, expires_in: b.expires_in, expires_at: b.expires_at,
      rotate_every: b.rotate_every, rotation_overlap: b.rotation_overlap, secretIssuedAt: issuedAt, expired: b.status === "expired", regeneratedOutside: n.regenerated,
    },
    {
      // An unknown name differs from any name: an update whose value apply decides.
      type: d.args.type, account: d.account, name: deferredName ? UNKNOWN_NAME : d.args.name, scopes: d.args.scopes ?? [], expires_in: configuredIn, expires_at: configuredAt,
      rotate_every: d.args.rotate_every, rotation_overlap: d.args.rotation_overlap,
    },
    { now, replaceRequested: replace.includes(n.address), triggered: triggered(d, nodes), ignored, importing: !!n.importId },
  );
  const replacePaths = diff.replacePaths.map((p) => [p]);
  if (diff.expiredInPast) {
    diagnostics.push({
      severity: "warning", summary: "Expired key not replaced", address: n.address,
      detail: `${n.address} expired at ${b.expires_at}, and its expires_at has passed, so no new key can be made with it: set a new expires_at (or expires_in) to replace it, or remove the resource. Nothing else in this plan is held up.`,
    });
  }
  if (diff.action === "replace") {
    const { actionReason, reason } = REPLACE_REASONS[diff.cause!](replacePaths);
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

  // In place: the arguments the diff found changed; the planned values follow from them.
  const updates = diff.updates as Array<keyof DesiredKey>;
  const after: KeyValues = { ...b, name, scopes, rotate_every: rotateEvery, rotation_overlap: rotationOverlap, rotation_due_at: rotationDueIso(issuedAt, rotateEvery) };
  const unknown: string[] = [];
  let expiresIn = b.expires_in;
  let expiresAt = b.expires_in === null ? b.expires_at : null;
  if (updates.includes("expires_at")) {
    after.expires_at = configuredAt;
    after.expires_in = null;
    expiresIn = null;
    expiresAt = configuredAt;
  } else if (updates.includes("expires_in")) {
    after.expires_in = configuredIn;
    expiresIn = configuredIn;
    expiresAt = null;
    if (configuredIn === "never") after.expires_at = null;
    else unknown.push("expires_at");
  }
  const inPlace = diff.regenerate !== null;
  if (inPlace) {
    // A new secret: its masked form and rotation time follow from the apply, and so does the expiry of an expires_in key.
    unknown.push("masked", "rotation_due_at", "secret");
    if (after.expires_in !== null && after.expires_in !== "never" && !unknown.includes("expires_at")) unknown.push("expires_at");
    n.regenerate = true;
    n.reason = "rotation_due";
  }
  n.desiredKey = { name, type: b.type, expires_in: expiresIn, expires_at: expiresAt, scopes, rotate_every: rotateEvery, rotation_overlap: rotationOverlap };
  if (deferredName && updates.includes("name")) {
    n.desiredKey.deferredName = deferredName;
    (after as { name: string | null }).name = null;
    unknown.push("name");
  }
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

/** The diff's replacement causes as Terraform's action_reason and keyform's own words. */
const REPLACE_REASONS: Record<ReplaceCause, (paths: string[][]) => { actionReason: ActionReason; reason: string }> = {
  requested: () => ({ actionReason: "replace_by_request", reason: "requested" }),
  cannot_update: (paths) => ({ actionReason: "replace_because_cannot_update", reason: paths.map((p) => `${p[0]}_changed`).join(",") }),
  triggered: () => ({ actionReason: "replace_by_triggers", reason: "replace_triggered_by" }),
  expired: () => ({ actionReason: "replace_because_tainted", reason: "expired" }),
  regenerated_outside: () => ({ actionReason: "replace_because_tainted", reason: "regenerated_outside" }),
  rotate_every_due: () => ({ actionReason: "replace_because_tainted", reason: "rotate_every_due" }),
};
