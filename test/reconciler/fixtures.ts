import { DEFAULT_KEY_TERMS } from "../../core/keys/terms";
import { parseConfig } from "../../server/reconciler/tf-config.parser";
import { plan } from "../../server/reconciler/plan";
import type { Plan, PlanOptions, PlannedChange, ResourceChangeEntry } from "../../server/reconciler/reconciler.types";
import type { AccountInfo, CurrentState, LiveKey, StateResource } from "../../server/reconciler/reconciler.types";

/** Small factories for reconciler tests: a config, the stack state and the live rows behind it. */

export const NOW = Date.parse("2026-11-23T12:00:00.000Z");
export const DAY = 24 * 60 * 60 * 1000;
export const CREATED = NOW - 10 * DAY;

/** A valid key id derived from a label: `key_` + 24 base62 characters. */
export function keyId(label: string): string {
  return `key_${label.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(28, "0").slice(0, 28);
}

export type Json = Record<string, unknown>;

/** A cdk.tf.json-shaped document with provider account `acme`. */
export function tfConfig(resources: Record<string, Json>, extra: Json = {}): Json {
  return {
    "//": { metadata: { backend: "local", stackName: "keys", version: "0.21.0" } },
    provider: { keyform: [{ account: "acme" }] },
    resource: { keyform_api_key: resources },
    terraform: { required_providers: { keyform: { source: "keyform/keyform" } } },
    ...extra,
  };
}

export function account(overrides: Partial<AccountInfo> = {}): AccountInfo {
  return { id: "acme", keyLimit: 10, maxExpiry: null, activeKeys: 0, activeTempKeys: 0, activeNames: {}, ...overrides };
}

export interface KeySpec {
  address: string;
  name: string;
  type?: "live" | "temp" | "legacy";
  scopes?: string[];
  expires_in?: string | null;
  expires_at?: string | null;
  rotate_every?: string | null;
  rotation_overlap?: string | null;
  /** When the stack last regenerated the secret (ms); absent: never. */
  secretIssuedAt?: number;
  lastUsedAt?: number | null;
  account?: string;
  createdAt?: number;
  dependencies?: string[];
  id?: string;
}

/** The state entry and the identical live row of a key the stack applied. */
export function appliedKey(spec: KeySpec): { state: StateResource; live: LiveKey } {
  const id = spec.id ?? keyId(spec.address);
  const type = spec.type ?? "live";
  const createdAt = spec.createdAt ?? CREATED;
  const expiresIn = type === "temp" ? null : spec.expires_in === undefined ? "never" : spec.expires_in;
  const expiresAt =
    spec.expires_at != null
      ? Date.parse(spec.expires_at)
      : type === "temp"
        ? createdAt + 5 * 60 * 1000
        : expiresIn === "90d"
          ? createdAt + 90 * DAY
          : expiresIn === "30d"
            ? createdAt + 30 * DAY
            : expiresIn === "1y"
              ? createdAt + 365 * DAY
              : null;
  const masked = `kf_${type}_${id.slice(4, 8)}…${id.slice(-4)}`;
  const acct = spec.account ?? "acme";
  const state: StateResource = {
    address: spec.address,
    keyId: id,
    account: acct,
    attributes: {
      name: spec.name,
      type,
      expires_in: expiresIn,
      expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
      scopes: [...(spec.scopes ?? [])].sort(),
      rotate_every: spec.rotate_every ?? null,
      ...(spec.rotation_overlap !== undefined ? { rotation_overlap: spec.rotation_overlap } : {}),
      created_at: new Date(createdAt).toISOString(),
      masked,
    },
    generation: 1,
    dependencies: spec.dependencies ?? [],
    ...(spec.secretIssuedAt !== undefined ? { secretIssuedAt: new Date(spec.secretIssuedAt).toISOString() } : {}),
  };
  const live: LiveKey = {
    id,
    account: acct,
    name: spec.name,
    type,
    scopes: [...(spec.scopes ?? [])].sort(),
    expiresIn,
    expiresAt,
    createdAt,
    revokedAt: null,
    lastUsedAt: spec.lastUsedAt ?? null,
    status: "active",
    generation: 1,
    stack: "keys",
    stackAddress: spec.address,
    masked,
  };
  return { state, live };
}

/**
 * CurrentState for stack `keys` holding the given keys, with account `acme` counting them.
 * `tweak` edits live rows (drift) after the state is recorded.
 */
export function currentWith(
  specs: KeySpec[],
  opts: {
    accounts?: Record<string, Partial<AccountInfo> | undefined>;
    tweak?: Record<string, (k: LiveKey) => LiveKey | undefined>;
    extraLive?: LiveKey[];
    outputs?: Record<string, { sensitive: boolean; value: unknown }>;
    tempKeyCap?: number;
  } = {},
): CurrentState {
  const keys = specs.map(appliedKey);
  const liveKeys: Record<string, LiveKey | undefined> = {};
  for (const k of keys) liveKeys[k.live.id] = opts.tweak?.[k.state.address] ? opts.tweak[k.state.address](k.live) : k.live;
  for (const k of opts.extraLive ?? []) liveKeys[k.id] = k;
  const accounts: Record<string, AccountInfo | undefined> = {};
  const accountIds = new Set(["acme", ...Object.keys(opts.accounts ?? {}), ...specs.map((s) => s.account ?? "acme")]);
  for (const id of accountIds) {
    if (opts.accounts && id in opts.accounts && opts.accounts[id] === undefined) {
      accounts[id] = undefined;
      continue;
    }
    const active = Object.values(liveKeys).filter((k): k is LiveKey => !!k && k.account === id && k.status === "active" && k.revokedAt === null);
    const names: Record<string, string> = {};
    for (const k of active) names[k.name] = k.id;
    accounts[id] = account({
      id,
      activeKeys: active.filter((k) => k.type !== "temp").length,
      activeTempKeys: active.filter((k) => k.type === "temp").length,
      activeNames: names,
      ...(opts.accounts?.[id] ?? {}),
    });
  }
  return {
    stack: "keys",
    state: specs.length || opts.outputs ? { stack: "keys", lineage: "8f0c1b2a-0000-4000-8000-000000000001", serial: 3, resources: keys.map((k) => k.state), outputs: opts.outputs ?? {} } : null,
    liveKeys,
    accounts,
    lookups: { byId: { ...liveKeys }, byName: Object.fromEntries(Object.values(liveKeys).filter((k): k is LiveKey => !!k).map((k) => [`${k.account}/${k.name}`, k])) },
    terms: { ...DEFAULT_KEY_TERMS, tempKeyCap: opts.tempKeyCap ?? DEFAULT_KEY_TERMS.tempKeyCap },
  };
}

/** A live row of a key this stack does not own (for imports, name clashes and data sources). */
export function foreignKey(label: string, overrides: Partial<LiveKey> = {}): LiveKey {
  const id = keyId(label);
  return {
    id,
    account: "acme",
    name: label,
    type: "live",
    scopes: [],
    expiresIn: "never",
    expiresAt: null,
    createdAt: CREATED,
    revokedAt: null,
    lastUsedAt: null,
    status: "active",
    generation: 1,
    stack: null,
    stackAddress: null,
    masked: `kf_live_${id.slice(4, 8)}…${id.slice(-4)}`,
    ...overrides,
  };
}

/** Parses `tfConfig(resources, extra)` and plans it against `current` at NOW. */
export function planFor(resources: Record<string, Json>, current: CurrentState, options: PlanOptions = {}, extra: Json = {}): Plan {
  return plan(parseConfig(tfConfig(resources, extra)), current, NOW, options);
}

export function step(p: Plan, address: string): PlannedChange {
  const c = p.changes.find((x) => x.address === address);
  if (!c) throw new Error(`no change for ${address}; have ${p.changes.map((x) => x.address).join(", ")}`);
  return c;
}

export function entry(p: Plan, address: string): ResourceChangeEntry {
  const e = p.terraform.resourceChanges.find((x) => x.address === address);
  if (!e) throw new Error(`no resource_changes entry for ${address}`);
  return e;
}

export function errors(p: Plan): Array<{ summary: string; address?: string; code?: string; detail: string }> {
  return p.diagnostics.filter((d) => d.severity === "error");
}
