import type { EntityManager } from "typeorm";
import type { Account } from "../accounts/account.entity";
import type { AccountRepository } from "../accounts/account.repository";
import type { AuditEvent } from "../audit/audit.entity";
import type { Principal } from "../../core/authorization";
import { authorize, grantOf } from "../auth/principal";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import { resolveExpiry, type ExpiresIn } from "../keys/expiry";
import type { ApiKey } from "../keys/key.entity";
import { checkLimit, limitDetail, normalizeScopes } from "../keys/key.policy";
import { statusOf, type KeyRepository } from "../keys/key.repository";
import type { KeyService, NewKey } from "../keys/key.service";
import { overlapMs, rotationDueAt } from "../keys/rotation";
import type { DesiredKey, Plan, PlannedChange, StackState, StateResource } from "../reconciler/reconciler.types";

export interface ApplyDeps {
  keys: KeyRepository;
  accounts: AccountRepository;
  keyService: KeyService;
  tempKeyCap: number;
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

export function stateResourceOf(address: string, k: ApiKey, rotateEvery: string | null, dependencies: string[], rotation: StateRotation = { rotationOverlap: null }): StateResource {
  const issuedAt = rotation.secretIssuedAt ? Date.parse(rotation.secretIssuedAt) : k.createdAt;
  return {
    address,
    keyId: k.id,
    account: k.accountId,
    attributes: {
      name: k.name, type: k.type, expires_in: k.expiresIn, expires_at: iso(k.expiresAt), scopes: k.scopes, rotate_every: rotateEvery,
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
 * none. Limits and names are re-checked against the rows as they are now, under the account locks,
 * and every step is authorized for `applier` exactly as the same change made by hand would be
 * (creating, changing, revoking or adopting each key), so a plan hands out nothing its applier could
 * not have made itself.
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
  const changes = plan.changes;
  const accountIds = [...new Set(changes.map((c) => c.account))].sort();
  const locked = new Map<string, Account>((await deps.accounts.lockManyForKeyChange(tx, accountIds)).map((a) => [a.id, a]));
  const before = new Map<string, { keys: number; temp: number }>();
  for (const id of accountIds) before.set(id, await deps.keys.countActive(id, now, tx));

  const existingIds = [...new Set(changes.flatMap((c) => (c.keyId ? [c.keyId] : [])))];
  const existing = new Map((await deps.keys.findByIds(existingIds, tx)).map((k) => [k.id, k]));
  const state = new Map((prior?.resources ?? []).map((r) => [r.address, r]));
  const inserts: NewKey[] = [];
  const revokes: string[] = [];
  const out: ApplyOutcome = { resources: [], stateResources: [], secrets: new Map(), touchedKeyIds: [], audit: [] };

  const account = (id: string) => {
    const a = locked.get(id);
    if (!a) throw new AppError(ErrorCode.NOT_FOUND, `Account ${id} not found`);
    return a;
  };
  const owned = (c: PlannedChange, allowUnowned = false): ApiKey => {
    const k = c.keyId ? existing.get(c.keyId) : undefined;
    if (!k) throw stale(`Key ${c.keyId} of ${c.address} no longer exists.`);
    if (k.stack !== stack && !(allowUnowned && k.stack === null)) throw stale(`Key ${k.id} of ${c.address} is not owned by stack ${stack}.`);
    return k;
  };
  const create = (c: PlannedChange): ApiKey => {
    const d = c.desired!;
    const made = deps.keyService.buildKey(
      account(c.account),
      { name: d.name, type: d.type, scopes: d.scopes, ...(d.type === "temp" ? {} : expiryArgs(d)) },
      now,
      { name: stack, address: c.address },
    );
    authorize(applier, { do: "key.create", key: grantOf(made.key) });
    inserts.push(made);
    out.secrets.set(c.address, made.secret);
    out.audit.push({ accountId: c.account, action: "key.create", target: made.key.id, details: { name: d.name, type: d.type, stack, address: c.address } });
    out.resources.push({ address: c.address, action: c.action, key_id: made.key.id, secret: made.secret, key: made.key });
    return made.key;
  };
  const update = async (c: PlannedChange, k: ApiKey): Promise<ApiKey> => {
    const d = c.desired;
    if (!d || !c.updates?.length) return k;
    if (statusOf(k, now) !== "active") throw stale(`Key ${k.id} of ${c.address} is ${statusOf(k, now)}.`);
    const changes: Partial<ApiKey> = {};
    for (const field of c.updates) {
      if (field === "name") changes.name = d.name;
      else if (field === "scopes") changes.scopes = normalizeScopes(d.scopes);
      else if (field === "expires_in" || field === "expires_at") {
        const e = resolveExpiry(expiryArgs(d), account(c.account).maxExpiry, now);
        changes.expiresIn = e.expiresIn;
        changes.expiresAt = e.expiresAt;
      }
    }
    authorize(applier, { do: "key.update", before: grantOf(k), after: grantOf({ ...k, ...changes }) });
    await deps.keys.update(tx, k.id, changes);
    out.audit.push({ accountId: c.account, action: "key.update", target: k.id, details: { fields: Object.keys(changes), stack, address: c.address } });
    return { ...k, ...changes };
  };
  /** A due rotation with rotation_overlap: a new secret for the same key; the old one lives on for the overlap. */
  const regenerate = async (c: PlannedChange, k: ApiKey): Promise<ApiKey> => {
    if (statusOf(k, now) !== "active" || k.type !== "live") throw stale(`Key ${k.id} of ${c.address} can no longer be regenerated (${statusOf(k, now)} ${k.type} key).`);
    const graceMs = overlapMs(c.desired?.rotation_overlap ?? null) ?? 0;
    const made = await deps.keyService.regenerateIn(tx, account(c.account), k, now, graceMs, undefined, (updated) =>
      authorize(applier, { do: "key.regenerate", before: grantOf(k), after: grantOf(updated) }),
    );
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
    authorize(applier, { do: "key.revoke", key: grantOf(k) });
    if (k.revokedAt === null) revokes.push(k.id);
    out.audit.push({ accountId: k.accountId, action: "key.revoke", target: k.id, details: { stack, address: c.address, reason: c.actionReason ?? c.action } });
  };

  for (const c of changes) {
    const rotate = c.desired?.rotate_every ?? null;
    switch (c.action) {
      case "noop": {
        const prev = state.get(c.address);
        const k = c.keyId ? existing.get(c.keyId) : undefined;
        if (k && prev) state.set(c.address, stateResourceOf(c.address, k, rotate ?? prev.attributes.rotate_every, c.dependencies, rotationOf(c, prev)));
        break;
      }
      case "create": {
        const k = create(c);
        state.set(c.address, stateResourceOf(c.address, k, rotate, c.dependencies, rotationOf(c, undefined)));
        break;
      }
      case "replace": {
        const old = c.keyId ? existing.get(c.keyId) : undefined;
        if (old && old.stack === stack) revoke(c, old);
        const k = create(c);
        state.set(c.address, stateResourceOf(c.address, k, rotate, c.dependencies, rotationOf(c, undefined)));
        break;
      }
      case "update": {
        const prev = state.get(c.previousAddress ?? c.address);
        // Moved and changed in one plan: the state entry (and the key's address) moves too, or a later
        // plan would see the old address as removed and revoke the key.
        const owner = owned(c);
        if (c.previousAddress) {
          state.delete(c.previousAddress);
          await deps.keys.update(tx, owner.id, { stackAddress: c.address });
        }
        const updated = await update(c, c.previousAddress ? { ...owner, stackAddress: c.address } : owner);
        const k = c.regenerate ? await regenerate(c, updated) : updated;
        out.resources.push({ address: c.address, action: c.action, key_id: k.id, key: k, ...(c.regenerate ? { secret: out.secrets.get(c.address) } : {}) });
        state.set(c.address, stateResourceOf(c.address, k, rotate, c.dependencies, rotationOf(c, prev, c.regenerate)));
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
        // Adopting a key hands its control to whoever applies the stack later: only a key's equal may do it.
        authorize(applier, { do: "key.import", key: grantOf(k) });
        await deps.keys.update(tx, k.id, { stack, stackAddress: c.address });
        out.audit.push({ accountId: k.accountId, action: "key.import", target: k.id, details: { stack, address: c.address } });
        const updated = await update(c, { ...k, stack, stackAddress: c.address });
        out.resources.push({ address: c.address, action: c.action, key_id: k.id, key: updated });
        state.set(c.address, stateResourceOf(c.address, updated, rotate, c.dependencies, rotationOf(c, undefined)));
        break;
      }
      case "move": {
        const prev = state.get(c.previousAddress ?? c.address);
        const k = owned(c);
        authorize(applier, { do: "key.update", before: grantOf(k), after: grantOf(k) });
        if (c.previousAddress) state.delete(c.previousAddress);
        await deps.keys.update(tx, k.id, { stackAddress: c.address });
        const updated = await update(c, { ...k, stackAddress: c.address });
        out.resources.push({ address: c.address, action: c.action, key_id: k.id, key: updated });
        state.set(c.address, stateResourceOf(c.address, updated, rotate, c.dependencies, rotationOf(c, prev)));
        break;
      }
      case "forget": {
        const k = c.keyId ? existing.get(c.keyId) : undefined;
        if (k) authorize(applier, { do: "key.update", before: grantOf(k), after: grantOf(k) });
        if (k && k.stack === stack) await deps.keys.update(tx, k.id, { stack: null, stackAddress: null });
        out.resources.push({ address: c.address, action: c.action, key_id: c.keyId ?? null });
        state.delete(c.address);
        break;
      }
    }
  }

  await deps.keys.revoke(tx, revokes, now);
  await deps.keys.insert(tx, inserts);
  await recheckPolicies(tx, deps, accountIds, locked, before, now);

  out.stateResources = [...state.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  out.touchedKeyIds = [...revokes, ...existingIds];
  return out;
}

function expiryArgs(d: DesiredKey): { expires_in?: ExpiresIn; expires_at?: string } {
  if (d.expires_at) return { expires_at: d.expires_at };
  if (d.expires_in) return { expires_in: d.expires_in as ExpiresIn };
  return {};
}

/** Limits and name uniqueness, against the rows as they are inside this transaction. */
async function recheckPolicies(
  tx: EntityManager,
  deps: ApplyDeps,
  accountIds: string[],
  locked: Map<string, Account>,
  before: Map<string, { keys: number; temp: number }>,
  now: number,
): Promise<void> {
  for (const id of accountIds) {
    const a = locked.get(id);
    if (!a) continue;
    const after = await deps.keys.countActive(id, now, tx);
    const was = before.get(id)!;
    // Lowering a limit only blocks new keys: an apply may not grow an account past its limit.
    if (after.keys > a.keyLimit && after.keys > was.keys) {
      throw new AppError(ErrorCode.KEY_LIMIT_REACHED, limitDetail(a, was.keys, "keys", a.keyLimit));
    }
    if (after.temp > deps.tempKeyCap && after.temp > was.temp) checkLimit(a, was, "temp", deps.tempKeyCap, after.temp - was.temp);
    const names = await deps.keys.duplicateActiveNames(tx, id, now);
    if (names.length) throw new AppError(ErrorCode.NAME_TAKEN, `Account ${id} already has an active key named "${names[0]}".`);
  }
}
