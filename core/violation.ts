import type { ErrorCode } from "./errors";

/**
 * A rule broken, worded once. Each path only translates it: REST into problem+json, the planner into a
 * diagnostic, the Terraform provider into a Terraform diagnostic — same code, same words.
 */
export interface Violation {
  readonly code: ErrorCode;
  /** A short title, as Terraform diagnostics have (`Invalid key name`). */
  readonly summary: string;
  readonly detail: string;
  /** The argument it is about (`expires_at`), when there is one. */
  readonly field?: string;
}

/** A rule's answer: the value it worked out, or why there is none. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly violation: Violation };

export const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
export const refused = (violation: Violation): Checked<never> => ({ ok: false, violation });

/** A value quoted in a violation, cut short: a hostile configuration's megabyte value stays out of every message. */
export function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** At most `max` quoted values, then how many more. */
export function quoteSome(values: readonly string[], max = 10): string {
  return values.slice(0, max).map((v) => quote(v)).join(", ") + (values.length > max ? ` and ${values.length - max} more` : "");
}
