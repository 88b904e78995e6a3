import { ErrorCode } from "../errors";
import type { Violation } from "../violation";
import type { KeyType } from "./key";

/** Active keys of an account: live and legacy keys count against `key_limit`, temp keys against the cap. */
export interface ActiveCounts {
  keys: number;
  temp: number;
}

export interface AccountLimits {
  account: string;
  keyLimit: number;
  tempKeyCap: number;
}

/** One change to an account's active keys, in the order it happens: a key takes a slot, or frees one. */
export interface LimitStep {
  readonly op: "take" | "release";
  readonly type: KeyType;
  /** Where the step comes from (a plan's resource address), for the refusal. */
  readonly address?: string;
  /** Why this step needs its slot, when that is not obvious (create_before_destroy). */
  readonly why?: string;
}

/**
 * The one limit check. REST is one step, a plan many, and apply re-runs the plan's steps against the
 * counts read under the account locks. A step may not take a slot beyond the limit — or beyond the count
 * the account already had, so that lowering a limit blocks only new keys (a replacement still fits).
 */
export function checkLimits(limits: AccountLimits, start: ActiveCounts, steps: readonly LimitStep[]): Array<{ step: LimitStep; violation: Violation }> {
  const out: Array<{ step: LimitStep; violation: Violation }> = [];
  const count = { ...start };
  for (const step of steps) {
    const kind = step.type === "temp" ? "temp" : "keys";
    if (step.op === "release") {
      count[kind]--;
      continue;
    }
    const limit = kind === "temp" ? limits.tempKeyCap : limits.keyLimit;
    if (count[kind] + 1 > Math.max(limit, start[kind])) {
      out.push({
        step,
        violation: {
          code: ErrorCode.KEY_LIMIT_REACHED, summary: "Key limit reached",
          detail: `account ${limits.account} has ${count[kind]} of ${limit} ${kind === "temp" ? "temp keys" : "keys"}${step.why ? `; ${step.why}` : ""}`,
        },
      });
    }
    count[kind]++;
  }
  return out;
}
