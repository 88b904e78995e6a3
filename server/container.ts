import type { Express } from "express";
import type { Logger } from "pino";
import type { RouteDef } from "./http/route";
import { AccountRepository } from "./accounts/account.repository";
import { AccountService } from "./accounts/account.service";
import { AuditRepository } from "./audit/audit.repository";
import { AuthService } from "./auth/auth.service";
import { AuthFailureLimiter } from "./auth/rate-limiter";
import type { Settings } from "./config";
import { KeyCache } from "./keys/key.cache";
import { countActiveByType, KeyRepository } from "./keys/key.repository";
import { KeyResolver } from "./keys/key.resolver";
import { KeyOperations } from "./keys/key.operations";
import { KeyService } from "./keys/key.service";
import { Metrics } from "./observability/metrics";
import type { Store } from "./store/store";
import { UsageRecorder } from "./usage/usage.recorder";
import { VerifyService } from "./verify/verify.service";
import { PlanRepository } from "./stacks/plan.repository";
import { StackRepository } from "./stacks/stack.repository";
import { StackService } from "./stacks/stack.service";
import { createPlanRunner } from "./stacks/plan-pool";

export interface Services {
  store: Store;
  settings: Settings;
  logger: Logger;
  clock: () => number;
  metrics: Metrics;
  accountRepo: AccountRepository;
  keyRepo: KeyRepository;
  auditRepo: AuditRepository;
  cache: KeyCache;
  usage: UsageRecorder;
  auth: AuthService;
  accounts: AccountService;
  keys: KeyService;
  verify: VerifyService;
  stacks: StackService;
  /** Routes and mounts added by other modules (reconciler, console). */
  extraRoutes?: RouteDef[];
  extraMounts?: Array<(app: Express) => void>;
  /** Flushes buffered usage, stops timers and plan workers; the store stays open. */
  shutdown(): Promise<void>;
}

/** The composition root: every service built once, from the store and settings. */
export function buildServices(store: Store, settings: Settings, logger: Logger, clock: () => number = Date.now): Services {
  const accountRepo = new AccountRepository(store);
  const keyRepo = new KeyRepository(store);
  const auditRepo = new AuditRepository(store);
  const cache = new KeyCache(settings.verifyCacheTtlMs);
  const usage = new UsageRecorder(store, settings.usageFlushMs, settings.usageRetentionDays * 24 * 3600 * 1000, (err) =>
    logger.warn({ err: { message: (err as Error).message } }, "usage flush failed; will retry"),
  );
  const metrics = new Metrics(() => countActiveByType(store, clock()));
  const resolver = new KeyResolver(keyRepo, cache, settings, clock);
  const limiter = new AuthFailureLimiter(store, settings.authFailureLimit, settings.authFailureWindowMs);
  const auth = new AuthService(settings, resolver, keyRepo, usage, limiter, clock);
  const accounts = new AccountService(store, accountRepo, keyRepo, auditRepo, settings, clock);
  const keyOps = new KeyOperations(keyRepo, settings);
  const keys = new KeyService(store, keyRepo, keyOps, accountRepo, auditRepo, usage, cache, settings, clock);
  const verifyCounters = new Map<string, { inc(): void }>();
  const countVerification = (code: string) => {
    let c = verifyCounters.get(code);
    if (!c) verifyCounters.set(code, (c = metrics.verifications.labels({ code })));
    c.inc();
  };
  const verify = new VerifyService(resolver, keyRepo, usage, clock, countVerification);
  const stackRepo = new StackRepository(store);
  const planner = createPlanRunner(store, settings, { stacks: stackRepo, keys: keyRepo, accounts: accountRepo, terms: settings, limits: settings.planLimits }, logger);
  const stacks = new StackService(store, stackRepo, new PlanRepository(store), keyRepo, accountRepo, auditRepo, keyOps, cache, metrics, settings, clock, planner);
  usage.start();
  resolver.start();
  const purge = setInterval(() => {
    void usage.purgeOld(clock()).catch(() => undefined);
    void limiter.purgeExpired(clock()).catch(() => undefined);
  }, 3600_000);
  purge.unref();
  return {
    store, settings, logger, clock, metrics, accountRepo, keyRepo, auditRepo, cache, usage, auth, accounts, keys, verify, stacks,
    async shutdown() {
      clearInterval(purge);
      resolver.stop();
      await usage.stop();
      await planner.close();
    },
  };
}
