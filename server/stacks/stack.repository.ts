import type { EntityManager } from "typeorm";
import type { StackState } from "../reconciler/reconciler.types";
import type { Store } from "../store/store";

type Row = Record<string, unknown>;

export interface StackLock {
  id: string;
  operation: string;
  who: string;
  info: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface StackRow {
  name: string;
  lineage: string;
  serial: number;
  state: StackState;
  lock: StackLock | null;
  createdAt: number;
  updatedAt: number;
}

const COLUMNS = "name, lineage, serial, state, lock_id, lock_operation, lock_who, lock_info, lock_created_at, lock_expires_at, created_at, updated_at";

/**
 * State as stored: JSON with every non-ASCII character escaped (`\u2026`), the same value once parsed.
 * A masked key holds "…": unescaped, a 10,000-key state read back is a 13 MB two-byte string per plan
 * instead of a 6.6 MB one-byte one (large objects, freed only by a full GC).
 */
function stateText(state: StackState): string {
  return JSON.stringify(state).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function toStack(r: Row): StackRow {
  return {
    name: String(r.name),
    lineage: String(r.lineage),
    serial: Number(r.serial),
    state: JSON.parse(String(r.state)) as StackState,
    lock: r.lock_id
      ? { id: String(r.lock_id), operation: String(r.lock_operation), who: String(r.lock_who), info: (r.lock_info as string | null) ?? null, createdAt: Number(r.lock_created_at), expiresAt: Number(r.lock_expires_at) }
      : null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Stack state and its lease-based lock. Only the apply path writes state. */
export class StackRepository {
  constructor(private readonly store: Store) {}

  async find(name: string, tx?: EntityManager, lock = false): Promise<StackRow | null> {
    const rows: Row[] = await (tx ?? this.store.manager).query(`SELECT ${COLUMNS} FROM stacks WHERE name = ?${lock ? this.store.forUpdate() : ""}`, [name]);
    return rows.length ? toStack(rows[0]) : null;
  }

  /** Every stack, or only those of one owning account (see stack-ref.ts). */
  async list(ownerAccount?: string): Promise<StackRow[]> {
    const rows: Row[] =
      ownerAccount === undefined
        ? await this.store.manager.query(`SELECT ${COLUMNS} FROM stacks ORDER BY name`)
        : await this.store.manager.query(`SELECT ${COLUMNS} FROM stacks WHERE name LIKE ? ORDER BY name`, [`${ownerAccount}/%`]);
    return rows.map(toStack);
  }

  async insert(tx: EntityManager, s: StackRow): Promise<void> {
    await tx.query(`INSERT INTO ${"stacks"} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      s.name, s.lineage, s.serial, stateText(s.state), s.lock?.id ?? null, s.lock?.operation ?? null, s.lock?.who ?? null,
      s.lock?.info ?? null, s.lock?.createdAt ?? null, s.lock?.expiresAt ?? null, s.createdAt, s.updatedAt,
    ]);
  }

  async setLock(tx: EntityManager, name: string, lock: StackLock): Promise<void> {
    await tx.query(
      "UPDATE stacks SET lock_id = ?, lock_operation = ?, lock_who = ?, lock_info = ?, lock_created_at = ?, lock_expires_at = ? WHERE name = ?",
      [lock.id, lock.operation, lock.who, lock.info, lock.createdAt, lock.expiresAt, name],
    );
  }

  /** Extends a held lease; false when the lock is no longer ours. */
  async renewLock(name: string, lockId: string, expiresAt: number): Promise<boolean> {
    // Through the write path: on SQLite a bare statement could land inside another open transaction.
    return this.store.write(async (tx) => (await this.store.execute("UPDATE stacks SET lock_expires_at = ? WHERE name = ? AND lock_id = ?", [expiresAt, name, lockId], tx)) === 1);
  }

  async releaseLock(name: string, lockId: string, tx?: EntityManager): Promise<boolean> {
    const sql = "UPDATE stacks SET lock_id = NULL, lock_operation = NULL, lock_who = NULL, lock_info = NULL, lock_created_at = NULL, lock_expires_at = NULL WHERE name = ? AND lock_id = ?";
    if (tx) return (await this.store.execute(sql, [name, lockId], tx)) === 1;
    return this.store.write(async (t) => (await this.store.execute(sql, [name, lockId], t)) === 1);
  }

  /**
   * Writes the new state and releases the lock in the apply's own transaction. Succeeds only while
   * the lock is still ours and the serial is the one we planned against.
   */
  async saveStateAndUnlock(tx: EntityManager, name: string, lockId: string, expectedSerial: number, state: StackState, now: number): Promise<boolean> {
    const n = await this.store.execute(
      "UPDATE stacks SET state = ?, serial = ?, updated_at = ?, lock_id = NULL, lock_operation = NULL, lock_who = NULL, lock_info = NULL, " +
        "lock_created_at = NULL, lock_expires_at = NULL WHERE name = ? AND lock_id = ? AND serial = ?",
      [stateText(state), state.serial, now, name, lockId, expectedSerial],
      tx,
    );
    return n === 1;
  }
}
