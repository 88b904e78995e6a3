import type { LimitStep } from "../../core/keys/limits";
import type { NameStep } from "../../core/keys/names";
import type { KeyTypeName, PlannedChange } from "./reconciler.types";

/** The key a step acts on, as the plan saw it (planning) or as it is now (apply). */
export interface OldKey {
  id: string;
  account: string;
  name: string;
  type: KeyTypeName;
  active: boolean;
}

export interface AccountSteps {
  limits: LimitStep[];
  names: NameStep[];
}

/**
 * A plan's changes as the ordered limit and name steps of each account, for the one limit and name check
 * in core (`checkLimits`, `checkNames`): the planner runs them against the counts and names it read, and
 * apply runs the same steps again against the rows as they are under the account locks.
 */
export function planSteps(changes: readonly PlannedChange[], oldKeyOf: (c: PlannedChange) => OldKey | undefined): Map<string, AccountSteps> {
  const out = new Map<string, AccountSteps>();
  const of = (account: string) => {
    let s = out.get(account);
    if (!s) out.set(account, (s = { limits: [], names: [] }));
    return s;
  };
  // Releasing a name the key does not hold (it expired, say) changes nothing; a slot only an active key frees.
  const release = (old: OldKey | undefined, address: string) => {
    if (!old) return;
    if (old.active) of(old.account).limits.push({ op: "release", type: old.type, address });
    of(old.account).names.push({ op: "release", keyId: old.id, name: old.name });
  };
  for (const c of changes) {
    const old = oldKeyOf(c);
    const d = c.desired;
    switch (c.action) {
      case "create":
      case "replace": {
        if (!d) break;
        const take: LimitStep = {
          op: "take", type: d.type, address: c.address,
          ...(c.createBeforeDestroy ? { why: `${c.address} needs one more while create_before_destroy keeps the old key until the new one exists` } : {}),
        };
        // The old key goes first, unless create_before_destroy holds both for a moment (names: one transaction, so the old one is free).
        if (c.action === "replace" && !c.createBeforeDestroy) release(old, c.address);
        if (c.action === "replace" && c.createBeforeDestroy && old) of(old.account).names.push({ op: "release", keyId: old.id, name: old.name });
        of(c.account).limits.push(take);
        if (c.action === "replace" && c.createBeforeDestroy && old?.active) of(old.account).limits.push({ op: "release", type: old.type, address: c.address });
        // A name known only after apply is claimed at apply, once known (apply resolves it first).
        if (!d.deferredName) of(c.account).names.push({ op: "claim", keyId: null, name: d.name, address: c.address });
        break;
      }
      case "delete":
        release(old, c.address);
        break;
      case "update":
      case "import":
        if (d && old && c.updates?.includes("name") && !d.deferredName) {
          of(c.account).names.push({ op: "release", keyId: old.id, name: old.name });
          of(c.account).names.push({ op: "claim", keyId: old.id, name: d.name, address: c.address });
        }
        break;
      case "move":
      case "forget":
      case "noop":
        break;
    }
  }
  return out;
}
