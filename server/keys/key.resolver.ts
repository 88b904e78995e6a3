import type { Settings } from "../config";
import type { KeyCache } from "./key.cache";
import type { KeyByHash, KeyRepository } from "./key.repository";
import { hashSecret } from "./key-secret";
import { parseSecret } from "../../core/keys/secret-format";
import type { ApiKey } from "./key.entity";

export type Resolved = { kind: "malformed" } | { kind: "unknown" } | { kind: "found"; key: ApiKey };

interface Waiter {
  hash: string;
  resolve: (v: KeyByHash | null) => void;
  reject: (err: unknown) => void;
}

const BATCH = 500;

/**
 * Presented secret → key row. Shape and checksum are checked before any database access; the lookup is
 * by SHA-256 (an indexed equality on a hash, so nothing compares secrets byte by byte) and may be
 * served from the per-replica cache. A secret whose grace period has ended counts as unknown.
 *
 * Database lookups are batched: concurrent misses (within one turn of the event loop) share one
 * `WHERE hash IN (…)` query, and identical hashes share one lookup. Hashes served from the cache are
 * re-read in bulk every ttl/2 (`refreshAhead`), so hot keys stay cached — always with data at most
 * one ttl old — without one query per key per ttl.
 */
export class KeyResolver {
  private inflight = new Map<string, Promise<KeyByHash | null>>();
  private queue: Waiter[] = [];
  private scheduled = false;
  private refreshing = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly keys: KeyRepository,
    private readonly cache: KeyCache,
    private readonly settings: Settings,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts the bulk refresh of hot cache entries (no-op when the cache is off). */
  start(): void {
    if (this.timer || this.cache.ttlMs === 0) return;
    this.timer = setInterval(() => void this.refreshAhead().catch(() => undefined), Math.max(50, Math.floor(this.cache.ttlMs / 2)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async resolve(secret: unknown, now: number): Promise<Resolved> {
    if (!parseSecret(secret, this.settings.brand)) return { kind: "malformed" };
    const hash = hashSecret(secret as string);
    const found = this.cache.get(hash, now) ?? (await this.lookup(hash, now));
    if (!found) return { kind: "unknown" };
    if (found.secretExpiresAt !== null && found.secretExpiresAt <= now) return { kind: "unknown" };
    return { kind: "found", key: found.key };
  }

  private lookup(hash: string, now: number): Promise<KeyByHash | null> {
    const pending = this.inflight.get(hash);
    if (pending) return pending;
    const p = new Promise<KeyByHash | null>((resolve, reject) => {
      this.queue.push({ hash, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush(now));
      }
    });
    this.inflight.set(hash, p);
    return p;
  }

  private flush(now: number): void {
    this.scheduled = false;
    const waiters = this.queue;
    this.queue = [];
    for (let i = 0; i < waiters.length; i += BATCH) void this.fetch(waiters.slice(i, i + BATCH), Math.max(now, this.clock()));
  }

  private async fetch(waiters: Waiter[], fetchedAt: number): Promise<void> {
    const generation = this.cache.currentGeneration;
    try {
      const rows = await this.keys.findByHashes(waiters.map((w) => w.hash));
      for (const w of waiters) {
        const row = rows.get(w.hash) ?? null;
        if (row) this.cache.set(w.hash, row, fetchedAt, generation);
        this.inflight.delete(w.hash);
        w.resolve(row);
      }
    } catch (err) {
      for (const w of waiters) {
        this.inflight.delete(w.hash);
        w.reject(err);
      }
    }
  }

  /** Re-reads, in bulk, the cached entries used since the last refresh. */
  async refreshAhead(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const hashes = this.cache.takeUsed();
      for (let i = 0; i < hashes.length; i += BATCH) {
        const chunk = hashes.slice(i, i + BATCH);
        const generation = this.cache.currentGeneration;
        const fetchedAt = this.clock();
        const rows = await this.keys.findByHashes(chunk);
        for (const hash of chunk) {
          const row = rows.get(hash);
          if (row) this.cache.set(hash, row, fetchedAt, generation);
          else this.cache.delete(hash, generation);
        }
      }
    } finally {
      this.refreshing = false;
    }
  }
}
