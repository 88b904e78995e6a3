/** What a key is, and the one definition of its status (with the same condition as SQL, next to it). */
export type SecretType = "live" | "temp";
export type KeyType = SecretType | "legacy";
export type KeyStatus = "active" | "expired" | "revoked" | "exhausted";
export const KEY_TYPES: readonly KeyType[] = ["live", "temp", "legacy"];

/** The fields a key's status depends on (epoch ms). */
export interface StatusFacts {
  readonly revokedAt: number | null;
  readonly maxUses: number | null;
  readonly uses: number;
  readonly expiresAt: number | null;
}

export function statusOf(k: StatusFacts, now: number): KeyStatus {
  if (k.revokedAt !== null) return "revoked";
  if (k.maxUses !== null && k.uses >= k.maxUses) return "exhausted";
  if (k.expiresAt !== null && k.expiresAt <= now) return "expired";
  return "active";
}

/**
 * `statusOf` as an SQL condition over a key row aliased `k` (columns revoked_at, max_uses, uses,
 * expires_at), with `nowParams` placeholders for the time to bind.
 */
export function statusSql(status: KeyStatus): { sql: string; nowParams: number } {
  const live = "k.revoked_at IS NULL AND (k.max_uses IS NULL OR k.uses < k.max_uses)";
  switch (status) {
    case "revoked":
      return { sql: "k.revoked_at IS NOT NULL", nowParams: 0 };
    case "exhausted":
      return { sql: "k.revoked_at IS NULL AND k.max_uses IS NOT NULL AND k.uses >= k.max_uses", nowParams: 0 };
    case "expired":
      return { sql: `${live} AND k.expires_at IS NOT NULL AND k.expires_at <= ?`, nowParams: 1 };
    case "active":
      return { sql: `${live} AND (k.expires_at IS NULL OR k.expires_at > ?)`, nowParams: 1 };
  }
}
