import type { EntityManager } from "typeorm";
import type { Store } from "../store/store";
import type { AuditEvent } from "./audit.entity";

type Row = Record<string, unknown>;

/** Append-only record of changes. Written inside the transaction that makes the change. */
export class AuditRepository {
  constructor(private readonly store: Store) {}

  async append(tx: EntityManager, events: AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 200) {
      const chunk = events.slice(i, i + 200);
      await tx.query(
        `INSERT INTO audit_events (account_id, at, actor, action, target, source, details) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
        chunk.flatMap((e) => [e.accountId, e.at, e.actor, e.action, e.target, e.source, JSON.stringify(e.details)]),
      );
    }
  }

  async list(accountId: string, limit: number, beforeId?: number): Promise<AuditEvent[]> {
    const rows: Row[] = await this.store.manager.query(
      `SELECT id, account_id, at, actor, action, target, source, details FROM audit_events WHERE account_id = ?` +
        (beforeId !== undefined ? " AND id < ?" : "") +
        ` ORDER BY id DESC LIMIT ${Math.floor(limit)}`,
      beforeId !== undefined ? [accountId, beforeId] : [accountId],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      accountId: String(r.account_id),
      at: Number(r.at),
      actor: String(r.actor),
      action: String(r.action),
      target: (r.target as string | null) ?? null,
      source: (r.source as string | null) ?? null,
      details: JSON.parse(String(r.details)) as Record<string, unknown>,
    }));
  }
}
