import type { Violation } from "../../core/violation";
import { ErrorCode, ERROR_CODES } from "./error-code";

export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. `/name` or `/scopes/0`. */
  field: string;
  message: string;
}

/** The one error type services throw; the HTTP layer and the CLI both render it from its code. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail);
    this.name = "AppError";
    this.status = ERROR_CODES[code].status;
  }
}

/** A core rule's refusal as the REST error: same code, same words, the argument as the field. */
export function violationError(v: Violation): AppError {
  return new AppError(v.code, v.detail, v.field ? { errors: [{ field: `/${v.field}`, message: v.detail }] } : {});
}

/** Throws the first violation, if any. */
export function refuse(violations: readonly Violation[]): void {
  if (violations.length) throw violationError(violations[0]);
}
