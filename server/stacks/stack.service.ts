import type { ApplyResult, PlanView, StackDetail, StackList } from "../../client/src/types";
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
import { unevaluatedPlan } from "../reconciler/plan";
import { appliedOutputs } from "../reconciler/plan-outputs";
import type { Plan, StackState } from "../reconciler/reconciler.types";
import { renderPlanJson } from "../reconciler/render/plan-json";
import { problemRawJson } from "../errors/error.middleware";
import { RawJson, type StreamedJson } from "../json/raw-json";
import { renderPlanMarkdown } from "../reconciler/render/plan-markdown";
import { renderPlanText } from "../reconciler/render/plan-text";
import type { Store } from "../store/store";
import { executePlan } from "./apply.executor";
import { encodePlan, planRecord, type PlannedPlan, type PlanTicket } from "./plan-job";
import type { PlanRunner } from "./plan-pool";
import { PlanEvaluationFailure } from "./plan-worker.protocol";
import type { PlanRecord, PlanRepository, PlanSteps, StoredPlan } from "./plan.repository";
import type { StackLock, StackRepository, StackRow } from "./stack.repository";
import { parseStackKey, stackKey, type StackRef } from "../../core/stack-ref";
import { renderTerraformState } from "./terraform-state";

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
    /** Evaluates plans off the request thread. */
    private readonly planner: PlanRunner,
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

  /**
   * `body`: the request body's bytes (a PlanRequest as JSON), parsed and validated by the plan worker.
   * Answers the stored plan (201), or its PLAN_FAILED problem (422) with the plan inside; both stream
   * the Terraform JSON document from storage.
   */
  async plan(ctx: CallContext, stack: string, body: Uint8Array | undefined, owner?: string, requestId?: string): Promise<RawJson> {
    const ref = this.refFor(ctx.principal, stack, owner);
    this.authorizeStack(ctx.principal, "stack.plan", ref, notFound.stack(stack));
    this.metrics.plansInProgress.inc();
    let planned: PlannedPlan;
    let terraformJson: StreamedJson;
    try {
      planned = await this.planStack(ctx, ref, body);
      // The plan worker serialized and compressed the Terraform JSON document (and, on MySQL, stored it):
      // it is sent from storage as is.
      terraformJson = planned.stored ? this.plans.document(planned.encoded) : await this.plans.insertEncoded(planned.record, planned.encoded);
    } finally {
      this.metrics.plansInProgress.dec();
    }
    const { record } = planned;
    this.metrics.plans.inc({ outcome: record.errored ? "errored" : record.hasChanges ? "changes" : "no_changes" });
    // Same bytes as `res.json(this.planView(stored))`, whose last key is `terraform`.
    const head = `${JSON.stringify(planHead(record, planned)).slice(0, -1)},"terraform":`;
    if (!record.errored) return new RawJson(head, terraformJson, "}");
    const first = planned.diagnostics.find((d) => d.severity === "error");
    const failed = new AppError(ErrorCode.PLAN_FAILED, first ? `${first.address ? first.address + ": " : ""}${first.summary}: ${first.detail}` : "The plan has errors.", {
      plan_id: record.id, diagnostics: planned.diagnostics,
    });
    return problemRawJson(failed, requestId, ',"plan":', head, terraformJson, "}");
  }

  /**
   * Evaluates the plan in a plan worker (plan-pool.ts), in two steps around the authorization, which
   * stays here: the worker parses the config and reads the stack, this thread authorizes the accounts
   * involved, the worker loads the live keys, plans and encodes the plan for storage. A plan whose
   * evaluation fails after authorization (timeout, memory, crash) is stored as a failed plan; one that
   * fails before is a PLAN_FAILED answer without a plan.
   */
  private async planStack(ctx: CallContext, ref: StackRef, body: Uint8Array | undefined): Promise<PlannedPlan> {
    const now = this.clock();
    const stack = stackKey(ref);
    const session = await this.planner.session().catch(failedBeforeAuthorization);
    try {
      // The stack was authorized for this caller: the plan reads only what its owner may hold (current-state.ts).
      const parsed = await session.parse(stack, now, body).catch(failedBeforeAuthorization);
      const ticket = (): PlanTicket => ({ id: `plan_${randomBase62(24)}`, createdBy: actorOf(ctx.principal), expiresAt: now + this.settings.planTtlMs });
      return await session.plan(ticket()).catch(async (err: unknown) => {
        if (!(err instanceof PlanEvaluationFailure)) throw err;
        // A new id: a worker stopped at the last moment may have stored its plan under the first one.
        const p = unevaluatedPlan(stack, now, {}, [err.diagnostic]);
        return { record: planRecord(stack, now, parsed, ticket(), p), summary: p.summary, diagnostics: p.diagnostics, applier: p.applier, encoded: await encodePlan(p), stored: false };
      });
    } finally {
      session.release();
    }
  }

  private planView(sp: StoredPlan): PlanView {
    // Terraform's document: its members are Terraform's (the schema names the top-level ones).
    return { ...planHead(sp, sp.plan), terraform: renderPlanJson(sp.plan) as PlanView["terraform"] };
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

  /**
   * A stored plan: `keyform` (default) is its keyform fields with the Terraform JSON plan under
   * `terraform`; `json` is that Terraform JSON plan alone, the document `terraform show -json` prints.
   */
  async getPlan(ctx: CallContext, id: string, format: "keyform" | "json" | "text" | "markdown" = "keyform") {
    const sp = await this.requirePlan(ctx, id, "stack.read");
    if (format === "json") return renderPlanJson(sp.plan);
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

  async apply(ctx: CallContext, id: string): Promise<ApplyResult> {
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
        const outputs = appliedOutputs(sp.plan.outputs, outcome.stateResources, outcome.secrets);
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
        outputs: Object.fromEntries(result.outputs.map((o) => [o.name, { sensitive: o.sensitive, type: "string", ...(o.available ? { value: o.value } : { unavailable: true }), ...(o.secretOf ? { secret_of: o.secretOf } : {}) }])),
      };
    } catch (err) {
      this.metrics.applies.inc({ outcome: "failed" });
      await this.stacks.releaseLock(sp.stack, lock.id).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  async list(ctx: CallContext): Promise<StackList> {
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

  async get(ctx: CallContext, name: string, owner?: string): Promise<StackDetail> {
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

/** A plan's JSON view without its Terraform JSON document. */
/** A plan's fields before its Terraform JSON document; the stack as its name and owner (core/stack-ref). */
function planHead(r: PlanRecord, p: Pick<Plan, "summary" | "diagnostics"> & { applier?: Plan["applier"] }) {
  const ref = parseStackKey(r.stack);
  return {
    id: r.id, stack: ref.name, owner: ref.owner, serial: r.serial, lineage: r.lineage, created_at: new Date(r.createdAt).toISOString(),
    expires_at: new Date(r.expiresAt).toISOString(), applied_at: r.appliedAt === null ? null : new Date(r.appliedAt).toISOString(),
    errored: r.errored, has_changes: r.hasChanges, summary: p.summary, diagnostics: p.diagnostics, applier: p.applier ?? null,
  };
}

/** A plan that could not be evaluated before its accounts were known is refused without being stored. */
function failedBeforeAuthorization(err: unknown): never {
  if (!(err instanceof PlanEvaluationFailure)) throw err;
  const d = err.diagnostic;
  throw new AppError(ErrorCode.PLAN_FAILED, `${d.summary}: ${d.detail}`, { diagnostics: [d] });
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
