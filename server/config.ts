import { availableParallelism } from "node:os";
import { DEFAULT_KEY_TERMS, type KeyTerms } from "../core/keys/terms";
import { isValidBrand } from "../core/keys/secret-format";
import { DEFAULT_LIMITS, type EvaluationLimits, LIMIT_SETTINGS } from "./reconciler/evaluation-limits";

/** Server settings, read once from the environment (and CLI flags) and passed down explicitly. */
export interface Settings extends KeyTerms {
  brand: string;
  adminToken: string | null;
  /** When set, GET /metrics requires it (or the operator token) as a bearer token. */
  metricsToken: string | null;
  trustProxy: string | boolean | number;
  /** Milliseconds a replica may answer a verification from memory; at most 1000. */
  verifyCacheTtlMs: number;
  defaultKeyLimit: number;
  bodyLimitBytes: number;
  planConfigLimitBytes: number;
  authFailureLimit: number;
  authFailureWindowMs: number;
  usageFlushMs: number;
  usageRetentionDays: number;
  lockLeaseMs: number;
  planTtlMs: number;
  /** MySQL: connect attempts give up after this long, so an unreachable database is a quick 503. */
  dbConnectTimeoutMs: number;
  /** MySQL: a query unanswered for this long fails (503) and its connection is dropped. */
  dbQueryTimeoutMs: number;
  /** Worker threads that evaluate plans, off the request thread (default: one per core). */
  planWorkers: number;
  /** Wall-clock budget of one plan's evaluation; past it the worker is stopped and the plan fails. */
  planTimeoutMs: number;
  /** Heap of each plan worker (MB); a plan that needs more fails instead of growing the process. */
  planWorkerHeapMb: number;
  /** Linux: the nice value of plan worker threads, so the request thread gets the CPU first (0 = as the rest). */
  planWorkerNice: number;
  /** Bounds on what one configuration may make the planner do (each exceeded one is a PLAN_FAILED diagnostic). */
  planLimits: EvaluationLimits;
}

export const DEFAULT_SETTINGS: Settings = {
  brand: "kf",
  adminToken: null,
  metricsToken: null,
  trustProxy: false,
  verifyCacheTtlMs: 1000,
  ...DEFAULT_KEY_TERMS,
  defaultKeyLimit: 10,
  bodyLimitBytes: 64 * 1024,
  planConfigLimitBytes: 8 * 1024 * 1024,
  authFailureLimit: 30,
  authFailureWindowMs: 60 * 1000,
  usageFlushMs: 1000,
  usageRetentionDays: 30,
  lockLeaseMs: 30 * 1000,
  planTtlMs: 24 * 60 * 60 * 1000,
  dbConnectTimeoutMs: 3_000,
  dbQueryTimeoutMs: 15_000,
  planWorkers: availableParallelism(),
  planTimeoutMs: 30_000,
  planWorkerHeapMb: 512,
  planWorkerNice: 10,
  planLimits: DEFAULT_LIMITS,
};

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function trustProxy(raw: string | undefined): Settings["trustProxy"] {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw; // comma-separated addresses/subnets, as Express accepts them
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const brand = env.KEYFORM_KEY_BRAND || DEFAULT_SETTINGS.brand;
  if (!isValidBrand(brand)) throw new Error(`KEYFORM_KEY_BRAND must be 1-16 of a-z0-9 starting with a letter, got "${brand}"`);
  return {
    ...DEFAULT_SETTINGS,
    brand,
    adminToken: env.KEYFORM_ADMIN_TOKEN || null,
    metricsToken: env.KEYFORM_METRICS_TOKEN || null,
    trustProxy: trustProxy(env.KEYFORM_TRUST_PROXY),
    verifyCacheTtlMs: int(env, "KEYFORM_VERIFY_CACHE_TTL", DEFAULT_SETTINGS.verifyCacheTtlMs, 0, 1000),
    tempKeyTtlMs: int(env, "KEYFORM_TEMP_KEY_TTL_SECONDS", DEFAULT_KEY_TERMS.tempKeyTtlMs / 1000, 1, 86400) * 1000,
    tempKeyMaxUses: int(env, "KEYFORM_TEMP_KEY_MAX_USES", DEFAULT_SETTINGS.tempKeyMaxUses, 1, 1_000_000),
    authFailureLimit: int(env, "KEYFORM_AUTH_FAILURE_LIMIT", DEFAULT_SETTINGS.authFailureLimit, 1, 1_000_000),
    dbConnectTimeoutMs: int(env, "KEYFORM_DB_CONNECT_TIMEOUT_MS", DEFAULT_SETTINGS.dbConnectTimeoutMs, 100, 120_000),
    dbQueryTimeoutMs: int(env, "KEYFORM_DB_QUERY_TIMEOUT_MS", DEFAULT_SETTINGS.dbQueryTimeoutMs, 100, 600_000),
    planConfigLimitBytes: int(env, "KEYFORM_PLAN_CONFIG_LIMIT_BYTES", DEFAULT_SETTINGS.planConfigLimitBytes, 1024, 64 * 1024 * 1024),
    planWorkers: int(env, "KEYFORM_PLAN_WORKERS", DEFAULT_SETTINGS.planWorkers, 1, 256),
    planTimeoutMs: int(env, "KEYFORM_PLAN_TIMEOUT_MS", DEFAULT_SETTINGS.planTimeoutMs, 100, 3_600_000),
    planWorkerHeapMb: int(env, "KEYFORM_PLAN_WORKER_HEAP_MB", DEFAULT_SETTINGS.planWorkerHeapMb, 32, 65_536),
    planWorkerNice: int(env, "KEYFORM_PLAN_WORKER_NICE", DEFAULT_SETTINGS.planWorkerNice, 0, 19),
    planLimits: planLimits(env),
  };
}

function planLimits(env: NodeJS.ProcessEnv): EvaluationLimits {
  const limit = (name: keyof EvaluationLimits, max: number) => int(env, LIMIT_SETTINGS[name], DEFAULT_LIMITS[name], 1, max);
  return {
    maxDepth: limit("maxDepth", 1_000),
    maxReferenceChain: limit("maxReferenceChain", 2_000),
    maxBlocks: limit("maxBlocks", 1_000_000),
    maxInstances: limit("maxInstances", 1_000_000),
    maxSteps: limit("maxSteps", 1_000_000_000),
  };
}
