import { ErrorCode } from "../errors";
import { quote, type Violation } from "../violation";

/** Key names: 1–128 of A-Z a-z 0-9 - _, unique among an account's active keys, compared exactly. */
export const NAME_PATTERN = "^[A-Za-z0-9_-]{1,128}$";
export const NAME_RULE_TEXT = "1-128 characters of A-Z a-z 0-9 - _";
const NAME_RE = new RegExp(NAME_PATTERN);

export function nameViolation(name: string): Violation | null {
  return NAME_RE.test(name)
    ? null
    : { code: ErrorCode.VALIDATION_FAILED, summary: "Invalid key name", field: "name", detail: `name must be ${NAME_RULE_TEXT}; got ${quote(name)}.` };
}


/** A change to the names an account's active keys hold, in the order it happens. */
export type NameStep =
  | { readonly op: "release"; readonly keyId: string; readonly name: string }
  /** `keyId` null: a key that does not exist yet; `address` says where it comes from. */
  | { readonly op: "claim"; readonly keyId: string | null; readonly name: string; readonly address?: string };

/**
 * The one name check: names are unique among an account's active keys after every step. REST is one
 * claim (a rename: a release, then a claim), a plan many, and apply re-runs the plan's steps against the
 * names read under the account lock. `active` maps each active key's name to its id.
 */
export function checkNames(account: string, active: ReadonlyMap<string, string>, steps: readonly NameStep[]): Array<{ step: NameStep; violation: Violation }> {
  const holders = new Map<string, string>(active);
  const out: Array<{ step: NameStep; violation: Violation }> = [];
  for (const step of steps) {
    if (step.op === "release") {
      if (holders.get(step.name) === step.keyId) holders.delete(step.name);
      continue;
    }
    const claimant = step.keyId ?? `the new key of ${step.address ?? "this request"}`;
    const holder = holders.get(step.name);
    if (holder !== undefined && holder !== claimant) {
      out.push({
        step,
        violation: { code: ErrorCode.NAME_TAKEN, summary: "Name taken", field: "name", detail: `Account ${account} already has an active key named ${quote(step.name)} (${holder}).` },
      });
      continue;
    }
    holders.set(step.name, claimant);
  }
  return out;
}
