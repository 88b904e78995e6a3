import type { Store } from "../store/store";
import type { UsageBucket } from "./usage.entity";
import { UsageRepository } from "./usage.repository";

export type UsageOperation = "verify" | "auth";

const MINUTE = 60_000;

/**
 * Coalesces usage off the request path: per-minute buckets, live-key `uses` and `last_used_at`
 * are added up in memory and written in a few multi-row statements every `flushMs`. A crash loses
 * at most that interval of live-key counts; temp-key uses are counted synchronously elsewhere.
 */
export class UsageRecorder {
  private buckets = new Map<string, UsageBucket>();
  private keyUses = new Map<string, { uses: number; lastUsedAt: number }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  private readonly repo: UsageRepository;

  constructor(
    private readonly store: Store,
    private readonly flushMs: number,
    private readonly retentionMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.repo = new UsageRepository(store);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(this.onError), this.flushMs);
    this.timer.unref();
  }

  /** `countUse`: false for temp keys, whose `uses` was already spent atomically. */
  record(keyId: string, operation: UsageOperation, source: string, now: number, countUse: boolean): void {
    const bucket = now - (now % MINUTE);
    const id = `${keyId}\u0000${bucket}\u0000${operation}\u0000${source}`;
    const b = this.buckets.get(id);
    if (b) b.count++;
    else this.buckets.set(id, { keyId, bucket, operation, source: source.slice(0, 64), count: 1 });
    if (countUse) {
      const u = this.keyUses.get(keyId);
      if (u) {
        u.uses++;
        u.lastUsedAt = Math.max(u.lastUsedAt, now);
      } else this.keyUses.set(keyId, { uses: 1, lastUsedAt: now });
    }
  }

  /** Writes everything buffered so far; concurrent callers share one flush at a time. */
  flush(): Promise<void> {
    // Chain on the previous flush whether it failed or not: chaining on a rejected flush alone would
    // skip every later write, and an outage would stop usage from ever being written again.
    const next = this.flushing.catch(() => undefined).then(() => this.writeBuffered());
    this.flushing = next;
    return next;
  }

  private async writeBuffered(): Promise<void> {
    if (this.buckets.size === 0 && this.keyUses.size === 0) return;
    const buckets = [...this.buckets.values()];
    const uses = [...this.keyUses.entries()];
    this.buckets = new Map();
    this.keyUses = new Map();
    try {
      await this.store.write(async (tx) => {
        await this.repo.addToBuckets(tx, buckets);
        await this.repo.addUses(tx, uses);
      });
    } catch (err) {
      // Put the counts back so a transient outage does not lose them.
      for (const b of buckets) {
        const id = `${b.keyId}\u0000${b.bucket}\u0000${b.operation}\u0000${b.source}`;
        const cur = this.buckets.get(id);
        if (cur) cur.count += b.count;
        else this.buckets.set(id, b);
      }
      for (const [keyId, u] of uses) {
        const cur = this.keyUses.get(keyId);
        if (cur) (cur.uses += u.uses), (cur.lastUsedAt = Math.max(cur.lastUsedAt, u.lastUsedAt));
        else this.keyUses.set(keyId, u);
      }
      throw err;
    }
  }

  /** Pending (not yet written) uses of a key, so a details view on this replica is exact. */
  pending(keyId: string): { uses: number; lastUsedAt: number | null } {
    const u = this.keyUses.get(keyId);
    return u ? { uses: u.uses, lastUsedAt: u.lastUsedAt } : { uses: 0, lastUsedAt: null };
  }

  async purgeOld(now: number): Promise<void> {
    await this.repo.deleteBefore(now - this.retentionMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  listForKey(keyId: string, since: number): Promise<UsageBucket[]> {
    return this.repo.listForKey(keyId, since);
  }
}
