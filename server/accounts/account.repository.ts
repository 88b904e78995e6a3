import type { EntityManager } from "typeorm";
import { driverErrorCode } from "../store/driver-errors";
import type { Store } from "../store/store";
import type { Account } from "./account.entity";

type Row = Record<string, unknown>;

function rowToAccount(r: Row): Account {
  return {
    id: String(r.id),
    name: (r.name as string | null) ?? null,
    keyLimit: Number(r.key_limit),
    maxExpiry: (r.max_expiry as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const COLUMNS = "id, name, key_limit, max_expiry, created_at, updated_at";

export class AccountRepository {
  constructor(private readonly store: Store) {}

  async find(id: string, tx?: EntityManager): Promise<Account | null> {
    const rows: Row[] = await (tx ?? this.store.manager).query(`SELECT ${COLUMNS} FROM accounts WHERE id = ?`, [id]);
    return rows.length ? rowToAccount(rows[0]) : null;
  }

  async findMany(ids: string[], tx?: EntityManager): Promise<Account[]> {
    if (ids.length === 0) return [];
    const rows: Row[] = await (tx ?? this.store.manager).query(
      `SELECT ${COLUMNS} FROM accounts WHERE id IN (${ids.map(() => "?").join(", ")}) ORDER BY id`,
      ids,
    );
    return rows.map(rowToAccount);
  }

  /**
   * Claims the account row for the rest of the transaction: every write that depends on an account's
   * key counts or names comes here first, so limits and names hold across any number of replicas.
   * It writes the row (`version + 1`) instead of only reading it `FOR UPDATE`: on one MySQL both take
   * the same row lock, but on a multi-primary cluster (Galera) a lock exists on one node only, and two
   * transactions on two nodes that each read 9 keys would both insert a tenth. Writing a common row
   * makes the later of them fail certification (1213), and `Store.write` runs it again, seeing the first.
   */
  async lockForKeyChange(tx: EntityManager, id: string): Promise<Account | null> {
    await tx.query("UPDATE accounts SET version = version + 1 WHERE id = ?", [id]);
    const rows: Row[] = await tx.query(`SELECT ${COLUMNS} FROM accounts WHERE id = ?`, [id]);
    return rows.length ? rowToAccount(rows[0]) : null;
  }

  /** `lockForKeyChange` for several accounts, in a fixed order (no deadlocks between stacks that share accounts). */
  async lockManyForKeyChange(tx: EntityManager, ids: string[]): Promise<Account[]> {
    if (ids.length === 0) return [];
    const sorted = [...new Set(ids)].sort();
    // InnoDB walks an IN list on the primary key in key order, so the rows are locked in that order.
    await tx.query(`UPDATE accounts SET version = version + 1 WHERE id IN (${sorted.map(() => "?").join(", ")})`, sorted);
    const rows: Row[] = await tx.query(`SELECT ${COLUMNS} FROM accounts WHERE id IN (${sorted.map(() => "?").join(", ")}) ORDER BY id`, sorted);
    return rows.map(rowToAccount);
  }

  /** Returns false when the id is taken. */
  async insert(tx: EntityManager, a: Account): Promise<boolean> {
    const existing: Row[] = await tx.query(`SELECT id FROM accounts WHERE id = ?${this.store.forUpdate()}`, [a.id]);
    if (existing.length) return false;
    try {
      await tx.query(`INSERT INTO accounts (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
        a.id, a.name, a.keyLimit, a.maxExpiry, a.createdAt, a.updatedAt,
      ]);
      return true;
    } catch (err) {
      const code = driverErrorCode(err);
      if (code === "ER_DUP_ENTRY" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return false;
      throw err;
    }
  }

  async update(tx: EntityManager, id: string, changes: { keyLimit?: number; maxExpiry?: string | null; name?: string | null }, now: number) {
    const sets = ["updated_at = ?"];
    const params: unknown[] = [now];
    if (changes.keyLimit !== undefined) (sets.push("key_limit = ?"), params.push(changes.keyLimit));
    if (changes.maxExpiry !== undefined) (sets.push("max_expiry = ?"), params.push(changes.maxExpiry));
    if (changes.name !== undefined) (sets.push("name = ?"), params.push(changes.name));
    await tx.query(`UPDATE accounts SET ${sets.join(", ")} WHERE id = ?`, [...params, id]);
  }
}
