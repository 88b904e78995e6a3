import type { KeyByHash } from "./key.repository";

/**
 * Per-replica cache of keys by secret hash for the verify hot path. An entry is served only while
 * `fetchedAt + ttlMs > now` (ttl ≤ 1 s), where `fetchedAt` is when the database read that produced it
 * began: that bounds how long another replica may still accept a revoked key. This replica drops a
 * key's entries the moment it changes it, and refuses any read that was already in flight then
 * (the generation check), so a revocation here is never undone by a slow, older read.
 * Temp-key uses never come from here.
 */
export class KeyCache {
  private entries = new Map<string, { value: KeyByHash; until: number; used: boolean }>();
  private generation = 0;

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** Take this before a database read whose result will be `set`. */
  get currentGeneration(): number {
    return this.generation;
  }

  get(hash: string, now: number): KeyByHash | undefined {
    if (this.ttlMs === 0) return undefined;
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    e.used = true;
    return e.value;
  }

  /** `fetchedAt`: when the read began; `generation`: `currentGeneration` taken before it. */
  set(hash: string, value: KeyByHash, fetchedAt: number, generation = this.generation): void {
    if (this.ttlMs === 0 || generation !== this.generation) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(hash)) this.entries.clear();
    const prev = this.entries.get(hash);
    this.entries.set(hash, { value, until: fetchedAt + this.ttlMs, used: prev?.used ?? false });
  }

  /** Hashes read since the last call (and still cached): the ones worth refreshing ahead of expiry. */
  takeUsed(): string[] {
    const out: string[] = [];
    for (const [hash, e] of this.entries) {
      if (!e.used) continue;
      e.used = false;
      out.push(hash);
    }
    return out;
  }

  /** Drops an entry (a refresh found its secret gone). */
  delete(hash: string, generation: number): void {
    if (generation === this.generation) this.entries.delete(hash);
  }

  invalidate(keyIds: Iterable<string>): void {
    const ids = new Set(keyIds);
    if (ids.size === 0) return;
    this.generation++;
    for (const [hash, e] of this.entries) if (ids.has(e.value.key.id)) this.entries.delete(hash);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
