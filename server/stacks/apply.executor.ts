import type { EntityManager } from "typeorm";
import type { Principal } from "../../core/authorization";
import { statusOf } from "../../core/keys/key";
import { overlapMs, rotationDueAt } from "../../core/keys/rotation";
import type { Account } from "../accounts/account.entity";
import type { AccountRepository } from "../accounts/account.repository";
import type { AuditEvent } from "../audit/audit.entity";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { ApiKey } from "../keys/key.entity";
import { orderedLike } from "../reconciler/plan-values";
import type { KeyChanges, KeyOperations, NewKey } from "../keys/key.operations";
import type { KeyRepository } from "../keys/key.repository";
import { generateKeyId } from "../../core/keys/secret-format";
import { describeDeferred, resolveDeferred } from "../reconciler/deferred";
import { planSteps } from "../reconciler/plan-steps";
import type { DesiredKey, Plan, PlannedChange, StackState, StateResource } from "../reconciler/reconciler.types";

export interface ApplyDeps {
  keys: KeyRepository;
  accounts: AccountRepository;
  ops: KeyOperations;
}

export interface AppliedResource {
  address: string;
  action: PlannedChange["action"];
  key_id: string | null;
  /** Set only for keys this apply created or regenerated. */
  secret?: string;
  key?: ApiKey;
}

export interface ApplyOutcome {
  resources: AppliedResource[];
  stateResources: StateResource[];
  secrets: Map<string, string>;
  touchedKeyIds: string[];
  audit: Omit<AuditEvent, "actor" | "source" | "at">[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Rotation facts a state entry carries beyond `rotate_every`: the overlap, and when the stack last regenerated the secret. */
export interface StateRotation {
  rotationOverlap: string | null;
  /** ISO; absent: the key's creation. */
  secretIssuedAt?: string;
}

/**
 * `scopeOrder`: the configured order of the scopes (else the state's). The server keeps scopes as a sorted
 * set; like terraform-provider-keyform, state keeps the configured order when the sets are equal, so the
 * JSON plan shows scopes as Terraform would.
 */
export function stateResourceOf(address: string, k: ApiKey, rotateEvery: string | null, dependencies: string[], rotation: StateRotation = { rotationOverlap: null }, scopeOrder?: readonly string[]): StateResource {
  const issuedAt = rotation.secretIssuedAt ? Date.parse(rotation.secretIssuedAt) : k.createdAt;
  return {
    address,
    keyId: k.id,
    account: k.accountId,
    attributes: {
      name: k.name, type: k.type, expires_in: k.expiresIn, expires_at: iso(k.expiresAt), scopes: orderedLike(scopeOrder, k.scopes), rotate_every: rotateEvery,
      rotation_overlap: rotation.rotationOverlap, rotation_due_at: iso(rotationDueAt(issuedAt, rotateEvery)), created_at: iso(k.createdAt)!, masked: k.masked,
    },
    generation: k.generation,
    dependencies,
    ...(rotation.secretIssuedAt ? { secretIssuedAt: rotation.secretIssuedAt } : {}),
  };
}

function stale(detail: string): AppError {
  return new AppError(ErrorCode.PLAN_STALE, `${detail} Run plan again.`);
}

/**
 * Carries out a plan's steps inside the caller's transaction: all of them land, or (by throwing)
 * none. Every step goes through the same key operation as the same change made by hand (key.operations:
 * authorized for `applier`, checked against the key rules), and the plan's limit and name steps are
 * checked again against the rows as they are now, under the account locks — so a plan hands out nothing
 * its applier could not have made itself, and no limit or name rule breaks under a race.
 */
export async function executePlan(
  tx: EntityManager,
  deps: ApplyDeps,
  plan: Pick<Plan, "changes">,
  stack: string,
  prior: StackState | null,
  now: number,
  applier: Principal,
): Promise<ApplyOutcome> {
  const state = new Map((prior?.resources ?? []).map((r) => [r.address, r]));
  // Names known only after apply, resolved in the plan's (dependency) order before anything is checked or written.
  const { changes, presetIds } = resolveDeferredNames(plan.changes, state, now);
  const existingIds = [...new Set(changes.flatMap((c) => (c.keyId ? [c.keyId] : [])))];
  // The accounts of the new keys and of the keys they change or replace (a key moved to another account
  // is a replacement: the old key's account loses a key). A key's account never changes, so reading the
  // keys before the locks is enough to know which to take; they are read again under them.
  const priorAccounts = (await deps.keys.findByIds(existingIds, tx)).map((k) => k.accountId);
  const accountIds = [...new Set([...changes.map((c) => c.account), ...priorAccounts])].sort();
  const locked = new Map<string, Account>((await deps.accounts.lockManyForKeyChange(tx, accountIds)).map((a) => [a.id, a]));
  const existing = new Map((await deps.keys.findByIds(existingIds, tx)).map((k) => [k.id, k]));
  const account = (id: string) => {
    const a = locked.get(id);
    if (!a) throw new AppError(ErrorCode.NOT_FOUND, `Account ${id} not found`);
    return a;
  };

  // Limits and names first: the plan's own steps, against the rows under the locks.
  const steps = planSteps(changes, (c) => {
    const k = c.keyId ? existing.get(c.keyId) : undefined;
    return k ? { id: k.id, account: k.accountId, name: k.name, type: k.type, active: statusOf(k, now) === "active" } : undefined;
  });
  for (const [id, s] of steps) await deps.ops.checkSteps(tx, account(id), s, now);

  const inserts: NewKey[] = [];
  const revokes: ApiKey[] = [];
  const out: ApplyOutcome = { resources: [], stateResources: [], secrets: new Map(), touchedKeyIds: [], audit: [] };

  const owned = (c: PlannedChange, allowUnowned = false): ApiKey => {
    const k = c.keyId ? existing.get(c.keyId) : undefined;
    if (!k) throw stale(`Key ${c.keyId} of ${c.address} no longer exists.`);
    if (k.stack !== stack && !(allowUnowned && k.stack === null)) throw stale(`Key ${k.id} of ${c.address} is not owned by stack ${stack}.`);
    return k;
  };
  const create = async (c: PlannedChange): Promise<ApiKey> => {
    const d = c.desired!;
    const input = { name: d.name, type: d.type, scopes: d.scopes, ...(d.type === "temp" ? {} : expiryArgs(d)) };
    const made = await deps.ops.prepareCreate(tx, applier, account(c.account), input, now, { name: stack, address: c.address }, presetIds.get(c.address));
    inserts.push(made);
    out.secrets.set(c.address, made.secret);
    out.audit.push({ accountId: c.account, action: "key.create", target: made.key.id, details: { name: d.name, type: d.type, stack, address: c.address } });
    out.resources.push({ address: c.address, action: c.action, key_id: made.key.id, secret: made.secret, key: made.key });
    return made.key;
  };
  const update = async (c: PlannedChange, k: ApiKey): Promise<ApiKey> => {
    const d = c.desired;
    if (!d || !c.updates?.length) return k;
    const changes: KeyChanges = {};
    for (const field of c.updates) {
      if (field === "name") changes.name = d.name;
      else if (field === "scopes") changes.scopes = d.scopes;
      else if (field === "expires_in" || field === "expires_at") Object.assign(changes, expiryArgs(d));
    }
    if (Object.keys(changes).length === 0) return k; // rotate_every, rotation_overlap: state only
    // Names were checked for the whole plan before anything was written.
    const updated = await deps.ops.writeUpdate(tx, deps.ops.prepareUpdate(applier, account(c.account), k, changes, now));
    out.audit.push({ accountId: c.account, action: "key.update", target: k.id, details: { fields: Object.keys(changes), stack, address: c.address } });
    return updated;
  };
  /** A due rotation with rotation_overlap: a new secret for the same key; the old one lives on for the overlap. */
  const regenerate = async (c: PlannedChange, k: ApiKey): Promise<ApiKey> => {
    if (statusOf(k, now) !== "active" || k.type !== "live") throw stale(`Key ${k.id} of ${c.address} can no longer be regenerated (${statusOf(k, now)} ${k.type} key).`);
    const graceMs = overlapMs(c.desired?.rotation_overlap ?? null) ?? 0;
    const made = await deps.ops.regenerate(tx, applier, account(c.account), k, now, graceMs);
    out.secrets.set(c.address, made.secret);
    out.audit.push({ accountId: c.account, action: "key.regenerate", target: k.id, details: { grace_period_seconds: graceMs / 1000, stack, address: c.address, reason: c.reason ?? "rotation_due" } });
    return made.key;
  };
  /** The rotation facts to keep: the configured overlap; the issue time carried over unless this step made a new secret. */
  const rotationOf = (c: PlannedChange, prev: StateResource | undefined, issuedNow = false): StateRotation => {
    const secretIssuedAt = issuedNow ? iso(now)! : prev?.secretIssuedAt;
    return { rotationOverlap: c.desired?.rotation_overlap ?? prev?.attributes.rotation_overlap ?? null, ...(secretIssuedAt ? { secretIssuedAt } : {}) };
  };
  const revoke = (c: PlannedChange, k: ApiKey) => {
    revokes.push(k);
    out.audit.push({ accountId: k.accountId, action: "key.revoke", target: k.id, details: { stack, address: c.address, reason: c.actionReason ?? c.action } });
  };

  for (const c of changes) {
    const rotate = c.desired?.rotate_every ?? null;
    switch (c.action) {
      case "noop": {
        const prev = state.get(c.address);
        const k = c.keyId ? existing.get(c.keyId) : undefined;
        if (k && prev) state.set(c.address, stateResourceOf(c.address, k, rotate ?? prev.attributes.rotate_every, c.dependencies, rotationOf(c, prev), c.desired?.scopes ?? prev.attributes.scopes));
        break;
      }
      case "create": {
        const k = await create(c);
        state.set(c.address, stateResourceOf(c.address, k, rotate, c.dependencies, rotationOf(c, undefined), c.desired?.scopes));
        break;
      }
      case "replace": {
        const old = c.keyId ? existing.get(c.keyId) : undefined;
        if (old && old.stack === stack) revoke(c, old);
        const k = await create(c);
        state.set(c.address, stateResourceOf(c.address, k, rotate, c.dependencies, rotationOf(c, undefined), c.desired?.scopes));
        break;
      }
      case "update": {
        const prev = state.get(c.previousAddress ?? c.address);
        // Moved and changed in one plan: the state entry (and the key's address) moves too, or a later
        // plan would see the old address as removed and revoke the key.
        let k = owned(c);
        if (c.previousAddress) {
          state.delete(c.previousAddress);
          k = await deps.ops.place(tx, applier, k, { name: stack, address: c.address }, false);
        }
        k = await update(c, k);
        if (c.regenerate) k = await regenerate(c, k);
        out.resources.push({ address: c.address, action: c.action, key_id: k.id, key: k, ...(c.regenerate ? { secret: out.secrets.get(c.address) } : {}) });
        state.set(c.address, stateResourceOf(c.address, k, rotate, c.dependencies, rotationOf(c, prev, c.regenerate), c.desired?.scopes ?? prev?.attributes.scopes));
        break;
      }
      case "delete": {
        const k = c.keyId ? existing.get(c.keyId) : undefined;
        if (k && k.stack === stack) revoke(c, k);
        out.resources.push({ address: c.address, action: c.action, key_id: c.keyId ?? null });
        state.delete(c.address);
        break;
      }
      case "import": {
        const k = owned(c, true);
        if (k.accountId !== c.account) throw stale(`Key ${k.id} belongs to another account than ${c.address}.`);
        if (statusOf(k, now) !== "active") throw stale(`Key ${k.id} to import into ${c.address} is ${statusOf(k, now)}.`);
        const adopted = await deps.ops.place(tx, applier, k, { name: stack, address: c.address }, true);
        out.audit.push({ accountId: k.accountId, action: "key.import", target: k.id, details: { stack, address: c.address } });
        const updated = await update(c, adopted);
        out.resources.push({ address: c.address, action: c.action, key_id: k.id, key: updated });
        state.set(c.address, stateResourceOf(c.address, updated, rotate, c.dependencies, rotationOf(c, undefined), c.desired?.scopes));
        break;
      }
      case "move": {
        const prev = state.get(c.previousAddress ?? c.address);
        if (c.previousAddress) state.delete(c.previousAddress);
        const moved = await deps.ops.place(tx, applier, owned(c), { name: stack, address: c.address }, false);
        const updated = await update(c, moved);
        out.resources.push({ address: c.address, action: c.action, key_id: moved.id, key: updated });
        state.set(c.address, stateResourceOf(c.address, updated, rotate, c.dependencies, rotationOf(c, prev), c.desired?.scopes ?? prev?.attributes.scopes));
        break;
      }
      case "forget": {
        const k = c.keyId ? existing.get(c.keyId) : undefined;
        if (k && k.stack === stack) await deps.ops.place(tx, applier, k, null, false);
        out.resources.push({ address: c.address, action: c.action, key_id: c.keyId ?? null });
        state.delete(c.address);
        break;
      }
    }
  }

  const revoked = await deps.ops.revoke(tx, applier, revokes, now);
  await deps.ops.insert(tx, inserts);

  out.stateResources = [...state.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  out.touchedKeyIds = [...revoked, ...existingIds];
  return out;
}

function expiryArgs(d: DesiredKey): { expires_in?: string; expires_at?: string } {
  if (d.expires_at) return { expires_at: d.expires_at };
  if (d.expires_in) return { expires_in: d.expires_in };
  return {};
}

/**
 * The plan's changes with every name known only after apply made known: each built, in apply order,
 * from the keys before it — the ids of keys this apply creates are chosen here, so that a name can
 * hold one — and then judged like any other name (key rules when written, name steps under the locks).
 */
export function resolveDeferredNames(planned: readonly PlannedChange[], state: Map<string, StateResource>, now: number): { changes: PlannedChange[]; presetIds: Map<string, string> } {
  const presetIds = new Map<string, string>();
  if (!planned.some((c) => c.desired?.deferredName)) return { changes: [...planned], presetIds };
  const known = new Map<string, Record<string, string>>();
  for (const r of state.values()) known.set(r.address, { id: r.keyId, account: r.account, name: r.attributes.name, type: r.attributes.type, created_at: r.attributes.created_at });
  const changes: PlannedChange[] = [];
  for (const planned1 of planned) {
    let c = planned1;
    const d = c.desired;
    if (d?.deferredName) {
      const name = resolveDeferred(d.deferredName, (ref) => known.get(ref.address)?.[ref.attribute ?? ""]);
      if (name === null) throw stale(`The name of ${c.address} (${describeDeferred(d.deferredName)}) refers to a key this apply does not know.`);
      const { deferredName: _resolved, ...rest } = d;
      c = { ...c, desired: { ...rest, name } };
    }
    const prev = known.get(c.previousAddress ?? c.address);
    switch (c.action) {
      case "create":
      case "replace": {
        const id = generateKeyId();
        presetIds.set(c.address, id);
        known.set(c.address, { id, account: c.account, name: c.desired!.name, type: c.desired!.type, created_at: iso(now)! });
        break;
      }
      case "delete":
      case "forget":
        known.delete(c.address);
        break;
      default:
        if (prev) known.set(c.address, { ...prev, ...(c.desired && c.updates?.includes("name") ? { name: c.desired.name } : {}) });
    }
    changes.push(c);
  }
  return { changes, presetIds };
}
