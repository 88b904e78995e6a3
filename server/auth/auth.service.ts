import { createHash, hash as cryptoHash, timingSafeEqual } from "node:crypto";
import type { Settings } from "../config";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { KeyRepository } from "../keys/key.repository";
import { statusOf } from "../../core/keys/key";
import type { KeyResolver } from "../keys/key.resolver";
import type { UsageRecorder } from "../usage/usage.recorder";
import { keyPrincipal, type Principal } from "./principal";
import type { AuthFailureLimiter } from "./rate-limiter";

// One-shot `crypto.hash` where available (Node ≥ 20.12): this runs on every authenticated request.
const oneShot = (cryptoHash as unknown as ((alg: string, data: string, enc: "buffer") => Buffer) | undefined) ?? null;
const digest = (s: string): Buffer => (oneShot ? oneShot("sha256", s, "buffer") : createHash("sha256").update(s, "utf8").digest());

/** Turns the presented credential into a principal, or a 401 that never says why. */
export class AuthService {
  private readonly adminDigest: Buffer | null;
  private readonly metricsDigest: Buffer | null;

  constructor(
    settings: Settings,
    private readonly resolver: KeyResolver,
    private readonly keys: KeyRepository,
    private readonly usage: UsageRecorder,
    private readonly limiter: AuthFailureLimiter,
    private readonly clock: () => number,
  ) {
    this.adminDigest = settings.adminToken ? digest(settings.adminToken) : null;
    this.metricsDigest = settings.metricsToken ? digest(settings.metricsToken) : null;
  }

  /** Constant-time comparison: both sides are hashed to equal length first. */
  isOperatorToken(token: string): boolean {
    return this.adminDigest !== null && timingSafeEqual(digest(token), this.adminDigest);
  }

  /**
   * GET /metrics: open unless KEYFORM_METRICS_TOKEN is set; then that token or the operator's. Failures
   * count against the address's failed-auth budget like any other.
   */
  async authorizeMetrics(token: string | undefined, source: string): Promise<void> {
    if (this.metricsDigest === null) return;
    const now = this.clock();
    const wait = this.limiter.retryAfter(source, now);
    if (wait > 0) throw rateLimited(wait);
    if (token && (timingSafeEqual(digest(token), this.metricsDigest) || this.isOperatorToken(token))) return;
    const retry = await this.limiter.recordFailure(source, now);
    if (retry > 0) throw rateLimited(retry);
    throw new AppError(ErrorCode.UNAUTHORIZED, "Missing or invalid credentials.");
  }

  async authenticate(token: string | undefined, source: string): Promise<Principal> {
    const now = this.clock();
    const wait = this.limiter.retryAfter(source, now);
    if (wait > 0) throw rateLimited(wait);
    const principal = token ? await this.identify(token, source, now) : null;
    if (principal) return principal;
    const retry = await this.limiter.recordFailure(source, now);
    if (retry > 0) throw rateLimited(retry);
    throw new AppError(ErrorCode.UNAUTHORIZED, "Missing or invalid credentials.");
  }

  private async identify(token: string, source: string, now: number): Promise<Principal | null> {
    if (this.isOperatorToken(token)) return { kind: "operator" };
    const r = await this.resolver.resolve(token, now);
    if (r.kind !== "found" || statusOf(r.key, now) !== "active") return null;
    if (r.key.type === "temp") {
      // A successful use as a credential spends one of the temp key's uses.
      if (!(await this.keys.spendTempUse(r.key.id, now))) return null;
      this.usage.record(r.key.id, "auth", source, now, false);
    } else {
      this.usage.record(r.key.id, "auth", source, now, true);
    }
    return keyPrincipal(r.key);
  }
}

function rateLimited(seconds: number): AppError {
  return new AppError(ErrorCode.RATE_LIMITED, `Too many failed authentications from this address; retry in ${seconds}s.`, {
    headers: { "Retry-After": String(seconds) },
  });
}
