import { ErrorCode } from "../../core/errors";
import { checkLimits } from "../../core/keys/limits";
import { checkNames } from "../../core/keys/names";
import { checkKeyRequest, type KeyRequest } from "../../core/keys/spec";
import { quote, type Violation } from "../../core/violation";
import { checkRule } from "../../core/schema/attribute-rules";
import { ACCOUNT_RULE } from "../../core/schema/schema-parts";
import type { PlanNode } from "./plan-resource";
import { planSteps } from "./plan-steps";
import type { CurrentState, Diagnostic, PlannedChange } from "./reconciler.types";

/**
 * Key policy at plan time: the rules every write passes (core/keys: type, names, expiry, scopes,
 * rotation, limits, name uniqueness), reported as diagnostics naming the resource instead of thrown —
 * same codes, same words as REST. Only what this plan sets is judged; keys left as they are keep their
 * standing.
 */
export function checkPolicies(ordered: PlanNode[], changes: PlannedChange[], current: CurrentState, now: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (address: string | undefined, v: Violation) =>
    out.push({ severity: "error", summary: v.summary, detail: v.detail, address, code: v.code, ...(v.field ? { attribute: v.field } : {}) });
  const known = (account: string | null | undefined): account is string => !!account && Object.hasOwn(current.accounts, account) && !!current.accounts[account];

  for (const n of ordered) {
    const d = n.desired;
    if (!d || !n.desiredKey) continue;
    // Own properties only: an account named like an Object.prototype member ("constructor") is unknown too.
    if (!known(d.account)) {
      // A value that cannot be an account id is the configuration's error, whether or not such an account exists.
      const problem = d.account ? checkRule(ACCOUNT_RULE, d.account) : null;
      if (problem) report(n.address, { code: ErrorCode.VALIDATION_FAILED, summary: "Invalid account", field: "account", detail: `account ${quote(d.account!)} ${problem}.` });
      else if (d.account) report(n.address, { code: ErrorCode.NOT_FOUND, summary: "Unknown account", field: "account", detail: `Account ${JSON.stringify(d.account)} does not exist (or is not visible to this token).` });
      else report(n.address, { code: ErrorCode.VALIDATION_FAILED, summary: "Missing account", field: "account", detail: `${n.address} has no account: set "account" on the resource or on its keyform provider block.` });
      continue;
    }
    const key = n.desiredKey;
    const creating = n.action === "create" || n.action === "replace";
    const sets = (attr: string) => creating || n.updates.includes(attr as never);
    // What the configuration asks of the key: arguments it sets (expiry as configured, to judge it as given).
    const req: KeyRequest = {
      type: key.type,
      // A configuration without a name was refused by the parser already ("Missing required argument").
      ...(sets("name") && d.args.name !== null ? { name: key.name } : {}),
      ...(sets("scopes") ? { scopes: key.scopes } : {}),
      ...(d.args.expires_in !== null && (sets("expires_in") || key.type === "temp") ? { expires_in: d.args.expires_in } : {}),
      ...(d.args.expires_at !== null && (sets("expires_at") || key.type === "temp") ? { expires_at: d.args.expires_at } : {}),
      ...(key.rotate_every !== null ? { rotate_every: key.rotate_every } : {}),
      ...(key.rotation_overlap !== null ? { rotation_overlap: key.rotation_overlap } : {}),
    };
    const { violations } = checkKeyRequest(req, { creating, maxExpiry: current.accounts[d.account]!.maxExpiry, terms: current.terms, now });
    for (const v of violations) report(n.address, v);
  }

  // Limits and names, over the plan's steps in apply order — the same steps apply re-checks under its locks.
  const byAddress = new Map(ordered.map((n) => [n.address, n]));
  const steps = planSteps(changes, (c) => {
    const b = byAddress.get(c.address)?.before;
    const id = c.keyId;
    return b && id ? { id, account: b.account, name: b.name, type: b.type, active: b.status === "active" } : undefined;
  });
  for (const [account, s] of [...steps].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const info = known(account) ? current.accounts[account]! : null;
    if (!info) continue;
    const limits = { account, keyLimit: info.keyLimit, tempKeyCap: current.terms.tempKeyCap };
    for (const { step, violation } of checkLimits(limits, { keys: info.activeKeys, temp: info.activeTempKeys }, s.limits)) report(step.address, violation);
    const names = new Map(Object.entries(info.activeNames));
    for (const { step, violation } of checkNames(account, names, s.names)) report(step.op === "claim" ? step.address : undefined, violation);
  }
  return out;
}
