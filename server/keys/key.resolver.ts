import type { Settings } from "../config";
import type { KeyCache } from "./key.cache";
import type { KeyRepository } from "./key.repository";
import { hashSecret, parseSecret } from "./key-secret";
import type { ApiKey } from "./key.entity";

export type Resolved = { kind: "malformed" } | { kind: "unknown" } | { kind: "found"; key: ApiKey };

/**
 * Presented secret → key row. Shape and checksum are checked before any database access; the lookup is
 * by SHA-256 (an indexed equality on a hash, so nothing compares secrets byte by byte) and may be
 * served from the per-replica cache. A secret whose grace period has ended counts as unknown.
 */
export class KeyResolver {
  constructor(
    private readonly keys: KeyRepository,
    private readonly cache: KeyCache,
    private readonly settings: Settings,
  ) {}

  async resolve(secret: unknown, now: number): Promise<Resolved> {
    if (!parseSecret(secret, this.settings.brand)) return { kind: "malformed" };
    const hash = hashSecret(secret as string);
    let found = this.cache.get(hash, now);
    if (!found) {
      const row = await this.keys.findByHash(hash);
      if (!row) return { kind: "unknown" };
      this.cache.set(hash, row, now);
      found = row;
    }
    if (found.secretExpiresAt !== null && found.secretExpiresAt <= now) return { kind: "unknown" };
    return { kind: "found", key: found.key };
  }
}
