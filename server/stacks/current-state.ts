import { stackMayHold } from "../../core/authorization";
import type { KeyTerms } from "../../core/keys/terms";
import type { AccountRepository } from "../accounts/account.repository";
import type { ApiKey } from "../keys/key.entity";
import { statusOf } from "../../core/keys/key";
import { type KeyRepository } from "../keys/key.repository";
import { planInputs } from "../reconciler/plan-inputs";
import type { AccountInfo, CurrentState, DesiredConfig, LiveKey, StackState } from "../reconciler/reconciler.types";

export function toLiveKey(k: ApiKey, now: number): LiveKey {
  return {
    id: k.id, account: k.accountId, name: k.name, type: k.type, scopes: k.scopes, expiresIn: k.expiresIn, expiresAt: k.expiresAt,
    createdAt: k.createdAt, revokedAt: k.revokedAt, lastUsedAt: k.lastUsedAt, status: statusOf(k, now), generation: k.generation,
    stack: k.stack, stackAddress: k.stackAddress, masked: k.masked,
  };
}

const KEY_ID = /^key_[0-9A-Za-z]{24}$/;

/**
 * Fetches, in a handful of batched queries, everything `plan()` needs to know about the world:
 * the live rows behind the state (refresh), the accounts' limits, counts and active names, and the
 * keys data sources and import blocks point at. A plan reads only what its stack's owner may hold
 * (`stackMayHold`): another account's keys and the account itself are left out, so the plan reports
 * them exactly as if they did not exist.
 */
export async function loadCurrentState(
  deps: { keys: KeyRepository; accounts: AccountRepository },
  stack: string,
  owner: string | null,
  state: StackState | null,
  desired: DesiredConfig,
  now: number,
  terms: KeyTerms,
): Promise<CurrentState> {
  const inputs = planInputs(desired, state);
  const visible = (account: string) => stackMayHold(owner, account);
  // Live rows and the accounts' limits/names are independent reads: issued together, the per-account
  // ones side by side on the pool (names and counts in one query per account).
  const rowsRead = deps.keys.findByIds([...new Set([...inputs.keyIds, ...inputs.lookupIds])].filter((id) => KEY_ID.test(id)));
  rowsRead.catch(() => undefined); // awaited below
  const found = await deps.accounts.findMany(inputs.accounts.filter(visible));
  const loaded = await Promise.all(found.map(async (a) => ({ a, active: await deps.keys.activeNamesAndCounts(a.id, now) })));
  const rows = (await rowsRead).filter((k) => visible(k.accountId));
  const byId: Record<string, LiveKey> = {};
  for (const k of rows) byId[k.id] = toLiveKey(k, now);

  // Keyed by names from the config: no prototype, so "constructor" or "__proto__" are just unknown accounts.
  const accounts: Record<string, AccountInfo> = Object.create(null);
  for (const { a, active } of loaded) {
    accounts[a.id] = {
      id: a.id, keyLimit: a.keyLimit, maxExpiry: a.maxExpiry, activeKeys: active.keys, activeTempKeys: active.temp,
      activeNames: active.names,
    };
  }

  const byName: Record<string, LiveKey> = {};
  for (const accountAndName of inputs.lookupNames) {
    const slash = accountAndName.indexOf("/");
    const account = accountAndName.slice(0, slash);
    if (!visible(account)) continue;
    const k = await deps.keys.findByName(account, accountAndName.slice(slash + 1), now);
    if (k) byName[accountAndName] = toLiveKey(k, now);
  }
  const liveKeys: Record<string, LiveKey> = {};
  for (const id of inputs.keyIds) if (byId[id]) liveKeys[id] = byId[id];
  return { stack, state, liveKeys, accounts, lookups: { byId, byName }, terms };
}
