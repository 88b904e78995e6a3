import type { DesiredConfig, StackState } from "./reconciler.types";

/** What the caller must fetch to build a CurrentState for `plan()`, and whom the plan concerns. */
export interface PlanInputs {
  /** Every account named by the configuration or the state (authorization and `accounts`). */
  accounts: string[];
  /** Key ids for `liveKeys`: every key in state and every import id. */
  keyIds: string[];
  /** Data source lookups for `lookups.byId` / `lookups.byName` (`${account}/${name}`). */
  lookupIds: string[];
  lookupNames: string[];
}

export function planInputs(desired: DesiredConfig, state: StackState | null): PlanInputs {
  const accounts = new Set<string>();
  const keyIds = new Set<string>();
  const lookupIds = new Set<string>();
  const lookupNames = new Set<string>();
  for (const r of desired.resources) if (r.account) accounts.add(r.account);
  for (const r of state?.resources ?? []) {
    accounts.add(r.account);
    keyIds.add(r.keyId);
  }
  for (const i of desired.imports) keyIds.add(i.id);
  for (const d of desired.dataSources) {
    if (d.account) accounts.add(d.account);
    if ("id" in d.by) lookupIds.add(d.by.id);
    else if (d.account) lookupNames.add(`${d.account}/${d.by.name}`);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { accounts: sorted(accounts), keyIds: sorted(keyIds), lookupIds: sorted(lookupIds), lookupNames: sorted(lookupNames) };
}
