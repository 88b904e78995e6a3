/** The temp-key terms: server settings (KEYFORM_TEMP_KEY_TTL_SECONDS, KEYFORM_TEMP_KEY_MAX_USES), these by default. */
export interface KeyTerms {
  /** How long a temp key lives after creation. */
  readonly tempKeyTtlMs: number;
  /** How many VALID verifications (or uses as a credential) a temp key has. */
  readonly tempKeyMaxUses: number;
  /** Active temp keys an account may hold. */
  readonly tempKeyCap: number;
}

export const DEFAULT_KEY_TERMS: KeyTerms = { tempKeyTtlMs: 5 * 60 * 1000, tempKeyMaxUses: 10, tempKeyCap: 5 };

/** "5 minutes or 10 verifications", from the terms in force. */
export function tempTermsText(t: KeyTerms): string {
  const s = Math.round(t.tempKeyTtlMs / 1000);
  const life = s % 3600 === 0 ? plural(s / 3600, "hour") : s % 60 === 0 ? plural(s / 60, "minute") : plural(s, "second");
  return `${life} or ${plural(t.tempKeyMaxUses, "verification")}`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
