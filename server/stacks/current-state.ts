import type { AccountRepository } from "../accounts/account.repository";
import type { ApiKey } from "../keys/key.entity";
import { statusOf, type KeyRepository } from "../keys/key.repository";
import type { AccountInfo, CurrentState, DesiredConfig, LiveKey, StackState } from "../reconciler/reconciler.types";

export function toLiveKey(k: ApiKey, now: number): LiveKey {
  return {
    id: k.id, account: k.accountId, name: k.name, type: k.type, scopes: k.scopes, expiresIn: k.expiresIn, expiresAt: k.expiresAt,
    createdAt: k.createdAt, revokedAt: k.revokedAt, lastUsedAt: k.lastUsedAt, status: statusOf(k, now), generation: k.generation,
    stack: k.stack, stackAddress: k.stackAddress, masked: k.masked,
  };
}

/** Every account a config or state names. */
export function accountsOf(desired: DesiredConfig | null, state: StackState | null): string[] {
  const ids = new Set<string>();
  for (const r of desired?.resources ?? []) if (r.account) ids.add(r.account);
  for (const d of desired?.dataSources ?? []) if (d.account) ids.add(d.account);
  for (const r of state?.resources ?? []) ids.add(r.account);
  return [...ids].sort();
}

/**
 * Fetches, in a handful of batched queries, everything `plan()` needs to know about the world:
 * the live rows behind the state (refresh), the accounts' limits, counts and active names, and the
 * keys data sources and import blocks point at.
 */
export async function loadCurrentState(
  deps: { keys: KeyRepository; accounts: AccountRepository },
  stack: string,
  state: StackState | null,
  desired: DesiredConfig,
  now: number,
  tempKeyCap: number,
  grantorScopes: string[] | null,
): Promise<CurrentState> {
  const ids = new Set<string>([...(state?.resources ?? []).map((r) => r.keyId), ...desired.imports.map((i) => i.id)]);
  for (const d of desired.dataSources) if ("id" in d.by) ids.add(d.by.id);
  // Live rows and the accounts' limits/names are independent reads: issued together.
  const rowsRead = deps.keys.findByIds([...ids].filter((id) => /^key_[0-9A-Za-z]{24}$/.test(id)));
  rowsRead.catch(() => undefined); // awaited below
  const accountIds = accountsOf(desired, state);
  const accounts: Record<string, AccountInfo> = {};
  // Per-account reads are independent: run them side by side on the pool.
  const found = await deps.accounts.findMany(accountIds);
  const loaded = await Promise.all(found.map(async (a) => ({ a, active: await deps.keys.activeNamesAndCounts(a.id, now) })));
  const rows = await rowsRead;
  const byId: Record<string, LiveKey> = {};
  for (const k of rows) byId[k.id] = toLiveKey(k, now);

  for (const { a, active } of loaded) {
    accounts[a.id] = {
      id: a.id, keyLimit: a.keyLimit, maxExpiry: a.maxExpiry, activeKeys: active.keys, activeTempKeys: active.temp,
      activeNames: active.names,
    };
  }

  const byName: Record<string, LiveKey> = {};
  for (const d of desired.dataSources) {
    if (!d.account || !("name" in d.by)) continue;
    const k = await deps.keys.findByName(d.account, d.by.name, now);
    if (k) byName[`${d.account}/${d.by.name}`] = toLiveKey(k, now);
  }
  const liveKeys: Record<string, LiveKey> = {};
  for (const id of ids) if (byId[id]) liveKeys[id] = byId[id];
  return { stack, state, liveKeys, accounts, lookups: { byId, byName }, tempKeyCap, grantorScopes };
}
