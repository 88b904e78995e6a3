import type { EntityManager } from "typeorm";
import type { Store } from "../store/store";
import type { UsageBucket } from "./usage.entity";

const CHUNK = 200;

/** SQL for usage: per-minute buckets and the keys' `uses` / `last_used_at` counters. */
export class UsageRepository {
  constructor(private readonly store: Store) {}

  /** Adds counts to their buckets (insert or add), in multi-row statements. */
  async addToBuckets(tx: EntityManager, buckets: UsageBucket[]): Promise<void> {
    for (let i = 0; i < buckets.length; i += CHUNK) {
      const chunk = buckets.slice(i, i + CHUNK);
      await tx.query(
        this.store.upsertAddSql("key_usage", ["key_id", "bucket", "operation", "source"], "count", chunk.length),
        chunk.flatMap((b) => [b.keyId, b.bucket, b.operation, b.source, b.count]),
      );
    }
  }

  /** Adds uses and moves `last_used_at` forward: one multi-row UPDATE per 200 keys. */
  async addUses(tx: EntityManager, uses: Array<[keyId: string, u: { uses: number; lastUsedAt: number }]>): Promise<void> {
    for (let i = 0; i < uses.length; i += CHUNK) {
      const chunk = uses.slice(i, i + CHUNK);
      const whens = chunk.map(() => "WHEN ? THEN ?").join(" ");
      await tx.query(
        `UPDATE api_keys SET uses = uses + CASE id ${whens} ELSE 0 END, ` +
          `last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < (CASE id ${whens} ELSE 0 END) THEN (CASE id ${whens} ELSE 0 END) ELSE last_used_at END ` +
          `WHERE id IN (${chunk.map(() => "?").join(", ")})`,
        [
          ...chunk.flatMap(([keyId, u]) => [keyId, u.uses]),
          ...chunk.flatMap(([keyId, u]) => [keyId, u.lastUsedAt]),
          ...chunk.flatMap(([keyId, u]) => [keyId, u.lastUsedAt]),
          ...chunk.map(([keyId]) => keyId),
        ],
      );
    }
  }

  async deleteBefore(bucket: number): Promise<void> {
    await this.store.write((tx) => tx.query("DELETE FROM key_usage WHERE bucket < ?", [bucket]));
  }

  async listForKey(keyId: string, since: number): Promise<UsageBucket[]> {
    const rows: Array<Record<string, unknown>> = await this.store.manager.query(
      "SELECT key_id, bucket, operation, source, count FROM key_usage WHERE key_id = ? AND bucket >= ? ORDER BY bucket DESC, operation, source LIMIT 1000",
      [keyId, since],
    );
    return rows.map((r) => ({ keyId: String(r.key_id), bucket: Number(r.bucket), operation: String(r.operation), source: String(r.source), count: Number(r.count) }));
  }
}
