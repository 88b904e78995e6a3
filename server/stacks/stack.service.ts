import { randomUUID } from "node:crypto";
import type { AccountRepository } from "../accounts/account.repository";
import type { AuditRepository } from "../audit/audit.repository";
import { may, notFound, type Principal } from "../../core/authorization";
import { actorOf, authorize } from "../auth/principal";
import type { Settings } from "../config";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { KeyCache } from "../keys/key.cache";
import type { KeyRepository } from "../keys/key.repository";
import { randomBase62 } from "../../core/keys/secret-format";
import type { KeyOperations } from "../keys/key.operations";
import type { CallContext } from "../keys/key.service";
import { toKeyView } from "../keys/key.view";
import type { Metrics } from "../observability/metrics";
import { plan as computePlan } from "../reconciler/plan";
import type { Plan, PlannedOutput, StackState, StateResource } from "../reconciler/reconciler.types";
import { renderPlanJson } from "../reconciler/render/plan-json";
import { jsonChunks } from "../http/json-chunks";
import { RawJson } from "../http/route";
import { renderPlanMarkdown } from "../reconciler/render/plan-markdown";
import { renderPlanText } from "../reconciler/render/plan-text";
import { parseConfig } from "../reconciler/tf-config.parser";
import type { Store } from "../store/store";
import { executePlan } from "./apply.executor";
import { loadCurrentState } from "./current-state";
import { planInputs } from "../reconciler/plan-inputs";
import type { PlanRepository, PlanSteps, StoredPlan } from "./plan.repository";
import type { StackLock, StackRepository, StackRow } from "./stack.repository";
import { parseStackKey, stackKey, type StackRef } from "../../core/stack-ref";
import { renderTerraformState } from "./terraform-state";

export interface PlanRequest {
  config: unknown;
  refresh?: boolean;
  destroy?: boolean;
  replace?: string[];
  target?: string[];
}

const summaryLine = (s: Plan["summary"]) => `${s.import ? `${s.import} to import, ` : ""}${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;

/** Stacks: plan (read-only, stored), apply (the only writer of stack state), state and locks. */
export class StackService {
  constructor(
    private readonly store: Store,
    private readonly stacks: StackRepository,
    private readonly plans: PlanRepository,
    private readonly keys: KeyRepository,
    private readonly accounts: AccountRepository,
    private readonly audit: AuditRepository,
    private readonly ops: KeyOperations,
    private readonly cache: KeyCache,
    private readonly metrics: Metrics,
    private readonly settings: Settings,
    private readonly clock: () => number,
  ) {}

  /**
   * The stack a request names: in the caller's own namespace (an account key's account, or the
   * operator's), or — for the operator only — another owner's, given as `?owner=`.
   */
  private refFor(p: Principal, name: string, owner: string | undefined): StackRef {
    return { owner: owner ?? (p.kind === "key" ? p.account : null), name };
  }

  /** Authorizes an action on a stack; a stack the caller may not see is "not found", like a missing one. */
  private authorizeStack(p: Principal, action: "stack.read" | "stack.plan" | "stack.apply" | "stack.unlock", ref: StackRef, missing: string): void {
    const d = may(p, { do: action, owner: ref.owner });
    if (!d.ok) throw new AppError(d.code === "NOT_FOUND" ? ErrorCode.NOT_FOUND : ErrorCode[d.code], d.code === "NOT_FOUND" ? missing : d.detail);
  }

  async plan(ctx: CallContext, stack: string, req: PlanRequest, owner?: string) {
    const ref = this.refFor(ctx.principal, stack, owner);
    this.authorizeStack(ctx.principal, "stack.plan", ref, notFound.stack(stack));
    const stored = await this.planStack(ctx, ref, req);
    const p = stored.plan;
    // Large plans: the Terraform JSON document is serialized once, chunk by chunk into storage, and sent from there.
    const terraformJson = await this.plans.insert(stored, jsonChunks(renderPlanJson(p)));
    this.metrics.plans.inc({ outcome: p.errored ? "errored" : p.hasChanges ? "changes" : "no_changes" });
    if (p.errored) {
      const view = this.planView(stored);
      const first = p.diagnostics.find((d) => d.severity === "error");
      throw new AppError(ErrorCode.PLAN_FAILED, first ? `${first.address ? first.address + ": " : ""}${first.summary}: ${first.detail}` : "The plan has errors.", {
        plan_id: stored.id, diagnostics: p.diagnostics, plan: view,
      });
    }
    // Same bytes as `res.json(this.planView(stored))`, whose last key is `terraform`.
    const { terraform: _omit, ...head } = this.planView(stored, false);
    return new RawJson(`${JSON.stringify(head).slice(0, -1)},"terraform":`, terraformJson, "}");
  }

  /**
   * Parses the config, reads the state and the live rows, plans. Its own frame, so none of those
   * (tens of MB for a big stack) outlives it while the plan is serialized, stored and sent.
   */
  private async planStack(ctx: CallContext, ref: StackRef, req: PlanRequest): Promise<StoredPlan> {
    const now = this.clock();
    const stack = stackKey(ref);
    // The stack row (state: megabytes for a big stack) is read while the config is parsed.
    const rowRead = this.stacks.find(stack);
    rowRead.catch(() => undefined); // observed below; never an unhandled rejection if parsing throws
    const desired = parseConfig(req.config);
    const row = await rowRead;
    const state = row && row.serial > 0 ? row.state : null;
    const accounts = planInputs(desired, state).accounts;
    const current = await loadCurrentState({ keys: this.keys, accounts: this.accounts }, stack, ref.owner, state, desired, now, this.settings);
    const p = computePlan(desired, current, now, { refresh: req.refresh, destroy: req.destroy, replace: req.replace, target: req.target });
    refuseOversizedAddresses(p);
    return {
      id: `plan_${randomBase62(24)}`, stack, lineage: row?.lineage ?? null, serial: row?.serial ?? 0, accounts, errored: p.errored,
      hasChanges: p.hasChanges, summary: summaryLine(p.summary), createdBy: actorOf(ctx.principal), createdAt: now,
      expiresAt: now + this.settings.planTtlMs, appliedAt: null, appliedBy: null, applyResult: null, plan: p,
    };
  }

  private planView(sp: StoredPlan, withTerraform = true) {
    const ref = parseStackKey(sp.stack);
    return {
      id: sp.id, stack: ref.name, owner: ref.owner, serial: sp.serial, lineage: sp.lineage, created_at: new Date(sp.createdAt).toISOString(),
      expires_at: new Date(sp.expiresAt).toISOString(), applied_at: sp.appliedAt === null ? null : new Date(sp.appliedAt).toISOString(),
      errored: sp.errored, has_changes: sp.hasChanges, summary: sp.plan.summary, diagnostics: sp.plan.diagnostics, applier: sp.plan.applier ?? null,
      terraform: withTerraform ? renderPlanJson(sp.plan) : undefined,
    };
  }

  /** A stored plan the caller may act on; another owner's plan is "not found", like a missing one. */
  private async requirePlan(ctx: CallContext, id: string, action: "stack.read" | "stack.apply"): Promise<StoredPlan>;
  private async requirePlan(ctx: CallContext, id: string, action: "stack.read" | "stack.apply", steps: "steps"): Promise<StoredPlan<PlanSteps>>;
  private async requirePlan(ctx: CallContext, id: string, action: "stack.read" | "stack.apply", steps?: "steps"): Promise<StoredPlan<PlanSteps>> {
    // Authorized on the plan's light columns first: a plan the caller may not see is never inflated.
    const owner = await this.plans.findStack(id);
    if (owner === null) throw new AppError(ErrorCode.NOT_FOUND, notFound.plan(id));
    this.authorizeStack(ctx.principal, action, parseStackKey(owner), notFound.plan(id));
    const sp = steps ? await this.plans.findSteps(id) : await this.plans.find(id);
    if (!sp) throw new AppError(ErrorCode.NOT_FOUND, notFound.plan(id));
    return sp;
  }

  async getPlan(ctx: CallContext, id: string, format: "json" | "text" | "markdown" = "json") {
    const sp = await this.requirePlan(ctx, id, "stack.read");
    if (format === "text") return { text: renderPlanText(sp.plan), type: "text/plain" };
    if (format === "markdown") {
      const ref = parseStackKey(sp.stack);
      // The CLI needs the stack's name for its outputs file; the operator also names another owner's namespace.
      const command = `keyform apply --plan ${sp.id} --stack ${ref.name}${ref.owner !== null && ctx.principal.kind === "operator" ? ` --owner ${ref.owner}` : ""}`;
      return { text: renderPlanMarkdown(sp.plan, { stack: ref.name, planId: sp.id, applyCommand: command }), type: "text/markdown" };
    }
    return this.planView(sp);
  }

  /** Takes the stack's lease after checking that the plan is still current. */
  private async acquireLock(sp: StoredPlan<PlanSteps>, who: string, now: number): Promise<{ lock: StackLock; prior: StackRow }> {
    const lock: StackLock = { id: randomUUID(), operation: "OperationTypeApply", who, info: `plan ${sp.id}`, createdAt: now, expiresAt: now + this.settings.lockLeaseMs };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.write(async (tx) => {
          const row = await this.stacks.find(sp.stack, tx, true);
          if (!row) {
            if (sp.serial !== 0) throw staleError();
            const lineage = randomUUID();
            const fresh: StackRow = { name: sp.stack, lineage, serial: 0, state: { stack: sp.stack, lineage, serial: 0, resources: [], outputs: {} }, lock, createdAt: now, updatedAt: now };
            await this.stacks.insert(tx, fresh);
            return { lock, prior: fresh };
          }
          if (row.lock && row.lock.expiresAt > now) throw lockedError(row.lock);
          if (row.serial !== sp.serial || (sp.lineage !== null && row.lineage !== sp.lineage)) throw staleError();
          await this.stacks.setLock(tx, sp.stack, lock);
          return { lock, prior: row };
        });
      } catch (err) {
        const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (err as { code?: string }).code;
        // Two first applies of a new stack raced to create its row: look again, the winner holds the lock.
        if (attempt === 0 && (code === "ER_DUP_ENTRY" || code === "SQLITE_CONSTRAINT_PRIMARYKEY")) continue;
        throw err;
      }
    }
  }

  async apply(ctx: CallContext, id: string) {
    // The apply needs the plan's steps, not its Terraform JSON (most of a big plan's body).
    const sp = await this.requirePlan(ctx, id, "stack.apply", "steps");
    const now = this.clock();
    if (sp.appliedAt !== null) throw new AppError(ErrorCode.PLAN_ALREADY_APPLIED, `Plan ${id} was applied at ${new Date(sp.appliedAt).toISOString()}.`);
    if (sp.errored) throw new AppError(ErrorCode.PLAN_FAILED, `Plan ${id} has errors and cannot be applied.`, { diagnostics: sp.plan.diagnostics });
    if (sp.expiresAt <= now) throw new AppError(ErrorCode.PLAN_EXPIRED, `Plan ${id} expired at ${new Date(sp.expiresAt).toISOString()}; plan again.`);
    const actor = actorOf(ctx.principal);
    const { lock, prior } = await this.acquireLock(sp, `${actor}@${ctx.source}`, now);
    const renew = setInterval(() => void this.stacks.renewLock(sp.stack, lock.id, this.clock() + this.settings.lockLeaseMs).catch(() => undefined), Math.max(1000, this.settings.lockLeaseMs / 3));
    renew.unref();
    try {
      const result = await this.store.write(async (tx) => {
        const outcome = await executePlan(tx, { keys: this.keys, accounts: this.accounts, ops: this.ops }, sp.plan, sp.stack, prior.serial > 0 ? prior.state : null, now, ctx.principal);
        const outputs = evaluateOutputs(sp.plan.outputs, outcome.stateResources, outcome.secrets);
        const state: StackState = {
          stack: parseStackKey(sp.stack).name, lineage: prior.lineage, serial: prior.serial + 1, resources: outcome.stateResources,
          outputs: Object.fromEntries(outputs.map((o) => [o.name, { sensitive: o.sensitive, value: o.sensitive ? null : (o.value ?? null) }])),
        };
        if (!(await this.stacks.saveStateAndUnlock(tx, sp.stack, lock.id, prior.serial, state, now))) {
          throw new AppError(ErrorCode.STACK_LOCKED, "The stack's lock was lost during the apply (force-unlocked?); nothing was applied.");
        }
        const resources = outcome.resources.map((r) => ({ address: r.address, action: r.action, key_id: r.key_id }));
        const summary = sp.plan.summary;
        if (!(await this.plans.markApplied(tx, sp.id, now, actor, { serial: state.serial, summary, resources }))) {
          throw new AppError(ErrorCode.PLAN_ALREADY_APPLIED, `Plan ${id} was applied by another request.`);
        }
        await this.audit.append(tx, outcome.audit.map((e) => ({ ...e, at: now, actor: `stack:${sp.stack}`, source: ctx.source, details: { ...e.details, applied_by: actor, plan: sp.id } })));
        return { outcome, outputs, state };
      });
      this.cache.invalidate(result.outcome.touchedKeyIds);
      this.metrics.applies.inc({ outcome: "applied" });
      const ref = parseStackKey(sp.stack);
      return {
        plan_id: sp.id,
        stack: ref.name,
        owner: ref.owner,
        lineage: result.state.lineage,
        serial: result.state.serial,
        summary: sp.plan.summary,
        resources: result.outcome.resources.map((r) => ({
          address: r.address, action: r.action, key_id: r.key_id,
          ...(r.key ? { key: toKeyView(r.key, now) } : {}),
          ...(r.secret ? { secret: r.secret } : {}),
        })),
        outputs: Object.fromEntries(result.outputs.map((o) => [o.name, { sensitive: o.sensitive, type: "string", ...(o.available ? { value: o.value } : { unavailable: true }) }])),
      };
    } catch (err) {
      this.metrics.applies.inc({ outcome: "failed" });
      await this.stacks.releaseLock(sp.stack, lock.id).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  async list(ctx: CallContext) {
    const p = ctx.principal;
    // Every owner's stacks for the operator; an account key sees its own account's (if it may read them).
    const owner = p.kind === "key" ? p.account : undefined;
    if (owner !== undefined) authorize(p, { do: "stack.read", owner });
    const rows = await this.stacks.list(owner);
    return { stacks: rows.map((r) => this.stackSummary(r)) };
  }

  private stackSummary(r: StackRow) {
    const ref = parseStackKey(r.name);
    return {
      name: ref.name, owner: ref.owner, lineage: r.lineage, serial: r.serial, resources: r.state.resources.length,
      lock: r.lock ? lockView(r.lock) : null, created_at: new Date(r.createdAt).toISOString(), updated_at: new Date(r.updatedAt).toISOString(),
    };
  }

  private async requireStack(ctx: CallContext, name: string, owner: string | undefined, action: "stack.read" | "stack.unlock"): Promise<StackRow> {
    const ref = this.refFor(ctx.principal, name, owner);
    this.authorizeStack(ctx.principal, action, ref, notFound.stack(name));
    const row = await this.stacks.find(stackKey(ref));
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, notFound.stack(name));
    return row;
  }

  async get(ctx: CallContext, name: string, owner?: string) {
    const row = await this.requireStack(ctx, name, owner, "stack.read");
    const plans = await this.plans.listForStack(row.name, 20);
    return {
      stack: {
        ...this.stackSummary(row),
        resources: row.state.resources.map((r) => ({ address: r.address, key_id: r.keyId, account: r.account, name: r.attributes.name, type: r.attributes.type, masked: r.attributes.masked })),
        outputs: Object.fromEntries(Object.entries(row.state.outputs).map(([k, o]) => [k, o.sensitive ? { sensitive: true } : o])),
      },
      plans: plans.map((p) => ({
        id: p.id, created_at: new Date(p.createdAt).toISOString(), created_by: p.createdBy, summary: p.summary, has_changes: p.hasChanges, errored: p.errored,
        serial: p.serial, applied_at: p.appliedAt === null ? null : new Date(p.appliedAt).toISOString(), applied_by: p.appliedBy,
      })),
    };
  }

  async state(ctx: CallContext, name: string, owner?: string) {
    const row = await this.requireStack(ctx, name, owner, "stack.read");
    return renderTerraformState({ ...row.state, stack: name, lineage: row.lineage, serial: row.serial });
  }

  async forceUnlock(ctx: CallContext, name: string, lockId: string, owner?: string) {
    const row = await this.requireStack(ctx, name, owner, "stack.unlock");
    if (!row.lock) throw new AppError(ErrorCode.LOCK_ID_MISMATCH, `Stack ${name} is not locked.`);
    if (row.lock.id !== lockId) throw new AppError(ErrorCode.LOCK_ID_MISMATCH, `Stack ${name} is locked by ${row.lock.id}, not ${lockId}.`, { lock: lockView(row.lock) });
    if (!(await this.stacks.releaseLock(row.name, lockId))) throw new AppError(ErrorCode.LOCK_ID_MISMATCH, `Lock ${lockId} was already released.`);
    return { unlocked: true, lock: lockView(row.lock) };
  }
}

/** Key rows keep their stack address in a VARCHAR(512): a longer one (a huge for_each key) is a plan error. */
const MAX_ADDRESS_LENGTH = 512;
function refuseOversizedAddresses(p: Plan): void {
  for (const c of p.changes) {
    if (c.address.length <= MAX_ADDRESS_LENGTH) continue;
    p.diagnostics.push({
      severity: "error", summary: "Resource address too long", address: c.address.slice(0, 80) + "…",
      detail: `keyform stores resource addresses of at most ${MAX_ADDRESS_LENGTH} characters; this one has ${c.address.length}. Use a shorter resource name or for_each key.`,
    });
    p.errored = true;
  }
}

function lockView(l: StackLock) {
  return { id: l.id, operation: l.operation, who: l.who, info: l.info, version: "keyform", created: new Date(l.createdAt).toISOString(), expires_at: new Date(l.expiresAt).toISOString() };
}

function staleError(): AppError {
  return new AppError(ErrorCode.PLAN_STALE, "The given plan can no longer be applied because the state was changed by another operation after the plan was created.");
}

function lockedError(l: StackLock): AppError {
  return new AppError(ErrorCode.STACK_LOCKED, `The stack is locked by ${l.who} (${l.operation}) since ${new Date(l.createdAt).toISOString()}; lock ID ${l.id}.`, { lock: lockView(l) });
}

interface OutputValue {
  name: string;
  sensitive: boolean;
  value?: unknown;
  available: boolean;
}

/** Output values after an apply: secrets only for keys this apply created or regenerated. */
export function evaluateOutputs(outputs: PlannedOutput[], resources: StateResource[], secrets: Map<string, string>): OutputValue[] {
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const attr = (ref: { address: string; attribute: string | null }, planned: PlannedOutput): { ok: boolean; value?: unknown } => {
    if (ref.address.startsWith("data.")) return planned.known ? { ok: true, value: planned.value } : { ok: false };
    if (ref.attribute === "secret") return secrets.has(ref.address) ? { ok: true, value: secrets.get(ref.address) } : { ok: false };
    const r = byAddress.get(ref.address);
    if (!r) return { ok: false };
    if (ref.attribute === "id") return { ok: true, value: r.keyId };
    if (ref.attribute === "account") return { ok: true, value: r.account };
    if (ref.attribute && ref.attribute in r.attributes) return { ok: true, value: (r.attributes as Record<string, unknown>)[ref.attribute] };
    return { ok: false };
  };
  return outputs.map((o) => {
    if (o.known) return { name: o.name, sensitive: o.sensitive, value: o.value, available: true };
    const e = o.expression;
    if (e.kind === "literal") return { name: o.name, sensitive: o.sensitive, value: e.value, available: true };
    if (e.kind === "ref") {
      const v = attr(e.ref, o);
      return { name: o.name, sensitive: o.sensitive, value: v.value, available: v.ok };
    }
    let text = "";
    for (const part of e.parts) {
      if (typeof part === "string") text += part;
      else {
        const v = attr(part, o);
        if (!v.ok) return { name: o.name, sensitive: o.sensitive, available: false };
        text += String(v.value);
      }
    }
    return { name: o.name, sensitive: o.sensitive, value: text, available: true };
  });
}
