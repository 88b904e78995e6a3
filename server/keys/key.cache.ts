import type { KeyByHash } from "./key.repository";

/**
 * Per-replica cache of keys by secret hash for the verify hot path. Entries live at most `ttlMs`
 * (≤ 1 s), which bounds how long another replica may still accept a revoked key; this replica drops
 * a key's entries the moment it changes it. Temp-key uses never come from here.
 */
export class KeyCache {
  private entries = new Map<string, { value: KeyByHash; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  get(hash: string, now: number): KeyByHash | undefined {
    if (this.ttlMs === 0) return undefined;
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    return e.value;
  }

  set(hash: string, value: KeyByHash, now: number): void {
    if (this.ttlMs === 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(hash, { value, until: now + this.ttlMs });
  }

  invalidate(keyIds: Iterable<string>): void {
    const ids = new Set(keyIds);
    if (ids.size === 0) return;
    for (const [hash, e] of this.entries) if (ids.has(e.value.key.id)) this.entries.delete(hash);
  }

  clear(): void {
    this.entries.clear();
  }
}
