import type { KeyTerms } from "../../core/keys/terms";
import { AppError } from "../errors/app-error";
import type { ErrorCode } from "../errors/error-code";
import { type EvaluationLimits, excerpt } from "../reconciler/evaluation-limits";
import type { Diagnostic } from "../reconciler/reconciler.types";
import type { StoreOptions } from "../store/store";
import { EvaluationError, type ParsedPlan, type PlannedPlan, type PlanTicket } from "./plan-job";

/** What a plan worker is started with. */
export interface PlanWorkerData {
  store: StoreOptions;
  terms: KeyTerms;
  limits: EvaluationLimits;
  /** Linux nice value of the worker thread (0: unchanged). */
  nice: number;
}

/** Request thread → worker. One plan at a time: `parse`, then `plan` (or `drop` when authorization refused it). */
export type ToWorker =
  | { type: "parse"; stack: string; now: number; body: Uint8Array | undefined }
  | { type: "plan"; ticket: PlanTicket }
  | { type: "drop" };

/** Worker → request thread: `ready` once loaded, then one reply per `parse` or `plan`. */
export type FromWorker = { type: "ready" } | { type: "parsed"; result: ParsedPlan } | { type: "planned"; result: PlannedPlan } | { type: "failed"; error: WireError };

/** An error as it crosses the thread boundary (structured clone keeps no classes). */
export type WireError =
  | { kind: "app"; code: ErrorCode; detail: string; extra: Record<string, unknown> }
  | { kind: "evaluation"; message: string; stack?: string }
  | { kind: "error"; name: string; message: string; code?: string; fatal?: boolean; driverCode?: string; stack?: string };

export function toWire(err: unknown): WireError {
  if (err instanceof AppError) return { kind: "app", code: err.code, detail: err.detail, extra: err.extra };
  if (err instanceof EvaluationError) return { kind: "evaluation", message: err.message, stack: err.stack };
  const e = (err ?? {}) as { name?: string; message?: string; code?: unknown; fatal?: unknown; driverError?: { code?: unknown }; stack?: string };
  return {
    kind: "error", name: String(e.name ?? "Error"), message: String(e.message ?? err), stack: e.stack,
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(e.fatal === true ? { fatal: true } : {}),
    ...(typeof e.driverError?.code === "string" ? { driverCode: e.driverError.code } : {}),
  };
}

/**
 * The error as the request thread handles it: refusals stay AppErrors, evaluation failures become
 * PlanEvaluationFailures, anything else (a store error) is rebuilt with the fields the error
 * middleware reads (`code`, `fatal`, `driverError.code`: an unreachable store is a 503).
 */
export function fromWire(w: WireError): Error {
  if (w.kind === "app") return new AppError(w.code, w.detail, w.extra);
  if (w.kind === "evaluation") return PlanEvaluationFailure.evaluation(w.message, w.stack);
  return Object.assign(new Error(w.message), {
    name: w.name, stack: w.stack, code: w.code, fatal: w.fatal, ...(w.driverCode ? { driverError: { code: w.driverCode } } : {}),
  });
}

/**
 * A plan whose evaluation did not finish — stopped at the wall-clock budget, out of its worker's memory,
 * the worker gone, or an unexpected error — as the diagnostic its PLAN_FAILED answer carries.
 */
export class PlanEvaluationFailure extends Error {
  constructor(
    readonly reason: "timeout" | "memory" | "crash" | "evaluation",
    readonly diagnostic: Diagnostic,
    /** For the server log only. */
    readonly logDetail?: string,
  ) {
    super(diagnostic.detail);
    this.name = "PlanEvaluationFailure";
  }

  static timeout(ms: number): PlanEvaluationFailure {
    return new PlanEvaluationFailure("timeout", {
      severity: "error", summary: "Plan evaluation timed out",
      detail: `Evaluating this plan took longer than ${ms.toLocaleString("en-US")} ms and was stopped; the limit is server setting KEYFORM_PLAN_TIMEOUT_MS.`,
    });
  }

  static memory(mb: number): PlanEvaluationFailure {
    return new PlanEvaluationFailure("memory", {
      severity: "error", summary: "Plan evaluation ran out of memory",
      detail: `Evaluating this plan needed more than the ${mb} MB a plan worker may use, and was stopped; the limit is server setting KEYFORM_PLAN_WORKER_HEAP_MB.`,
    });
  }

  static crash(why: string): PlanEvaluationFailure {
    return new PlanEvaluationFailure("crash", { severity: "error", summary: "Plan evaluation failed", detail: "The worker evaluating this plan stopped unexpectedly; the failure was logged." }, why);
  }

  static evaluation(message: string, stack?: string): PlanEvaluationFailure {
    return new PlanEvaluationFailure(
      "evaluation",
      { severity: "error", summary: "Plan evaluation failed", detail: `keyform could not evaluate this configuration (${excerpt(message, 200)}); the failure was logged.` },
      stack ?? message,
    );
  }
}
