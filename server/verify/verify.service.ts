import type { Static } from "@sinclair/typebox";
import type { VerifyCodeSchema, VerifyResultSchema } from "../../client/src/api-schemas";
import { holdsScope, may } from "../../core/authorization";
import { authorize, type Principal } from "../auth/principal";
import type { KeyResolver } from "../keys/key.resolver";
import { statusOf } from "../../core/keys/key";
import { type KeyRepository } from "../keys/key.repository";
import type { ApiKey } from "../keys/key.entity";
import type { UsageRecorder } from "../usage/usage.recorder";
import { VerifyCode } from "./verify-code";

export interface VerifyInput {
  key: string;
  scopes?: string[];
}

/** The answer of POST /v1/verify, as its route declares it (client/src/api-schemas.ts), with the code as the enum. */
export type VerifyResult = Omit<Static<typeof VerifyResultSchema>, "code"> & { code: VerifyCode };
// The enum and the declared codes are the same set (this fails to compile otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type VerifyCodesAreDeclared = Assert<Same<`${VerifyCode}`, Static<typeof VerifyCodeSchema>>>;

export class VerifyService {
  constructor(
    private readonly resolver: KeyResolver,
    private readonly keys: KeyRepository,
    private readonly usage: UsageRecorder,
    private readonly clock: () => number,
    private readonly onResult: (code: VerifyCode) => void = () => undefined,
  ) {}

  async verify(principal: Principal, input: VerifyInput, source: string): Promise<VerifyResult> {
    authorize(principal, { do: "key.verify" });
    const result = await this.check(principal, input, source);
    this.onResult(result.code);
    return result;
  }

  private async check(principal: Principal, input: VerifyInput, source: string): Promise<VerifyResult> {
    const now = this.clock();
    const r = await this.resolver.resolve(input.key, now);
    if (r.kind === "malformed") return { valid: false, code: VerifyCode.MALFORMED };
    // Another account's key is indistinguishable from an unknown one.
    if (r.kind === "unknown" || !may(principal, { do: "key.verify", account: r.key.accountId }).ok) {
      return { valid: false, code: VerifyCode.NOT_FOUND };
    }
    const key = r.key;
    const describe = (code: VerifyCode, remaining: number | null): VerifyResult => ({
      valid: code === VerifyCode.VALID,
      code,
      key_id: key.id,
      account: key.accountId,
      type: key.type,
      scopes: key.scopes,
      expires_at: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString(),
      remaining_uses: remaining,
    });
    const status = statusOf(key, now);
    if (status === "revoked") return { valid: false, code: VerifyCode.NOT_FOUND };
    if (status === "exhausted") return describe(VerifyCode.USAGE_EXCEEDED, 0);
    if (status === "expired") return describe(VerifyCode.EXPIRED, key.maxUses === null ? null : Math.max(0, key.maxUses - key.uses));
    if (input.scopes && !input.scopes.every((s) => holdsScope(key.scopes, s))) {
      return describe(VerifyCode.INSUFFICIENT_SCOPES, key.maxUses === null ? null : Math.max(0, key.maxUses - key.uses));
    }
    if (key.type === "temp") {
      const left = await this.keys.spendTempUseCounted(key.id, now);
      if (left === null) {
        const remaining = await this.keys.remainingUses(key.id);
        if (remaining === 0) return describe(VerifyCode.USAGE_EXCEEDED, 0);
        const fresh = (await this.keys.findById(key.accountId, key.id)) ?? key;
        return fresh.revokedAt !== null ? { valid: false, code: VerifyCode.NOT_FOUND } : describe(VerifyCode.EXPIRED, remaining);
      }
      this.usage.record(key.id, "verify", source, now, false);
      return describe(VerifyCode.VALID, left);
    }
    this.usage.record(key.id, "verify", source, now, true);
    return describe(VerifyCode.VALID, null);
  }
}
