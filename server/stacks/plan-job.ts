import type { KeyTerms } from "../../core/keys/terms";
import { parseStackKey } from "../../core/stack-ref";
import type { AccountRepository } from "../accounts/account.repository";
import { AppError } from "../errors/app-error";
import { toAppError } from "../errors/error.middleware";
import { parseJsonBody } from "../json/json-body";
import { bodyValidator } from "../json/validate";
import type { KeyRepository } from "../keys/key.repository";
import type { EvaluationLimits } from "../reconciler/evaluation-limits";
import { plan as computePlan, unevaluatedPlan } from "../reconciler/plan";
import { planInputs } from "../reconciler/plan-inputs";
import type { ApplierNeeds, DesiredConfig, Diagnostic, Plan, PlanOptions, PlanSummary, StackState } from "../reconciler/reconciler.types";
import { parseConfig } from "../reconciler/tf-config.parser";
import { renderPlanJson } from "../reconciler/render/plan-json";
import { jsonChunks } from "../json/json-chunks";
import { loadCurrentState } from "./current-state";
import { encodePlanBody, type EncodedPlan, type PlanRecord, type PlanRepository } from "./plan.repository";
import type { StackRepository } from "./stack.repository";
import { PlanBody } from "./stack.schemas";

export interface PlanJobDeps {
  stacks: StackRepository;
  keys: KeyRepository;
  accounts: AccountRepository;
  /**
   * Set where the job stores the plan itself (MySQL: the worker's own connection, so the request
   * thread never formats a megabyte INSERT); unset where the request thread stores it (SQLite has one
   * writer, the request thread's write queue).
   */
  plans?: PlanRepository;
  terms: KeyTerms;
  limits: EvaluationLimits;
}

/** What the request thread decides about a plan before it is computed. */
export interface PlanTicket {
  id: string;
  createdBy: string;
  expiresAt: number;
}

/** What the request thread needs to authorize a plan before it is computed. */
export interface ParsedPlan {
  /** Every account the configuration and the stack's state name. */
  accounts: string[];
  lineage: string | null;
  serial: number;
}

/** A computed plan, encoded for storage: the request thread stores it (unless `stored`) and sends it without touching its contents. */
export interface PlannedPlan {
  record: PlanRecord;
  summary: PlanSummary;
  diagnostics: Diagnostic[];
  applier: ApplierNeeds;
  encoded: EncodedPlan;
  stored: boolean;
}

const summaryLine = (s: PlanSummary) => `${s.import ? `${s.import} to import, ` : ""}${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;

/** The row of a plan of `stack` made at `now` (by the job, or by the request thread for a plan whose evaluation failed). */
export function planRecord(stack: string, now: number, parsed: ParsedPlan, ticket: PlanTicket, p: Pick<Plan, "errored" | "hasChanges" | "summary">): PlanRecord {
  return {
    id: ticket.id, stack, lineage: parsed.lineage, serial: parsed.serial, accounts: parsed.accounts, errored: p.errored, hasChanges: p.hasChanges,
    summary: summaryLine(p.summary), createdBy: ticket.createdBy, createdAt: now, expiresAt: ticket.expiresAt, appliedAt: null, appliedBy: null, applyResult: null,
  };
}

/** A plan encoded for storage with its Terraform JSON document, rendered here and stringified once (in chunks). */
export function encodePlan(p: Plan): Promise<EncodedPlan> {
  return encodePlanBody(p, jsonChunks(renderPlanJson(p)));
}

/**
 * Evaluating the configuration failed in a way no limit caught (a bug, or an input we did not foresee):
 * the plan fails with this message, and the failure is logged. Store failures are never this.
 */
export class EvaluationError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    this.name = "EvaluationError";
    if (cause instanceof Error && cause.stack) this.stack = cause.stack;
  }
}

const validatePlanBody = bodyValidator(PlanBody);

/**
 * One plan request, in the two steps a plan worker runs around the request thread's authorization:
 * `parse` reads the body and the stack, evaluates the configuration and says which accounts are
 * involved; `plan` loads the live keys, computes the plan and encodes it for storage.
 */
export class PlanJob {
  /** Between the two steps: the evaluated configuration (not the request's raw config, which may be large and is no longer needed). */
  private parsed: { options: PlanOptions; desired: DesiredConfig; state: StackState | null; inputs: ParsedPlan } | null = null;

  constructor(
    private readonly deps: PlanJobDeps,
    readonly stack: string,
    readonly now: number,
  ) {}

  async parse(body: Uint8Array | undefined): Promise<ParsedPlan> {
    // The stack row (state: megabytes for a big stack) is read while the config is parsed.
    const rowRead = this.deps.stacks.find(this.stack);
    rowRead.catch(() => undefined); // observed below; never an unhandled rejection if parsing throws
    const request = validatePlanBody(readBody(body));
    const desired = evaluating(() => parseConfig(request.config, this.deps.limits));
    const row = await rowRead;
    const state = row && row.serial > 0 ? row.state : null;
    const options = { refresh: request.refresh, destroy: request.destroy, replace: request.replace, target: request.target };
    const inputs = { accounts: planInputs(desired, state).accounts, lineage: row?.lineage ?? null, serial: row?.serial ?? 0 };
    this.parsed = { options, desired, state, inputs };
    return inputs;
  }

  /** The caller was authorized for the stack on the request thread; the plan reads only what the stack's owner may hold. */
  async plan(ticket: PlanTicket): Promise<PlannedPlan> {
    if (!this.parsed) throw new Error("PlanJob.plan before parse");
    const { options, desired, state, inputs } = this.parsed;
    this.parsed = null;
    let p: Plan;
    if (desired.refused) {
      // Not evaluated: nothing to look up.
      p = unevaluatedPlan(this.stack, this.now, options, desired.diagnostics);
    } else {
      const owner = parseStackKey(this.stack).owner;
      const current = await loadCurrentState({ keys: this.deps.keys, accounts: this.deps.accounts }, this.stack, owner, state, desired, this.now, this.deps.terms);
      p = evaluating(() => computePlan(desired, current, this.now, options));
      refuseOversizedAddresses(p);
    }
    const encoded = await evaluatingAsync(() => encodePlan(p));
    const record = planRecord(this.stack, this.now, inputs, ticket, p);
    if (this.deps.plans) await this.deps.plans.insertEncoded(record, encoded);
    return { record, summary: p.summary, diagnostics: p.diagnostics, applier: p.applier, encoded, stored: !!this.deps.plans };
  }
}

/** The body's bytes as JSON (body-parser's strict semantics and errors); no body at all reads as `{}`. */
function readBody(bytes: Uint8Array | undefined): unknown {
  if (!bytes || bytes.byteLength === 0) return {};
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return parseJsonBody(text);
  } catch (err) {
    throw toAppError(err);
  }
}

/** Runs pure evaluation: anything it throws that is not a refusal (AppError) is an EvaluationError. */
function evaluating<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof AppError ? err : new EvaluationError(err);
  }
}

async function evaluatingAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof AppError ? err : new EvaluationError(err);
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
