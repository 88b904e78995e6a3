import type { EntityManager } from "typeorm";
import type { Store } from "../store/store";
import type { ApiKey } from "./key.entity";
import { statusSql, type KeyStatus, type KeyType } from "../../core/keys/key";


/** A key found by one of its secret hashes, with when that hash stops working (grace period). */
export interface KeyByHash {
  key: ApiKey;
  secretExpiresAt: number | null;
}

const KEY_COLUMNS =
  "k.id, k.account_id, k.name, k.type, k.masked, k.scopes, k.created_at, k.expires_in, k.expires_at, " +
  "k.revoked_at, k.last_used_at, k.uses, k.max_uses, k.generation, k.stack, k.stack_address";

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function rowToKey(r: Row): ApiKey {
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    name: String(r.name),
    type: r.type as KeyType,
    masked: String(r.masked),
    scopes: JSON.parse(String(r.scopes)) as string[],
    createdAt: Number(r.created_at),
    expiresIn: (r.expires_in as ApiKey["expiresIn"]) ?? null,
    expiresAt: num(r.expires_at),
    revokedAt: num(r.revoked_at),
    lastUsedAt: num(r.last_used_at),
    uses: Number(r.uses),
    maxUses: num(r.max_uses),
    generation: Number(r.generation),
    stack: (r.stack as string | null) ?? null,
    stackAddress: (r.stack_address as string | null) ?? null,
  };
}

export interface ListFilter {
  status?: KeyStatus;
  type?: KeyType;
  limit: number;
  after?: { createdAt: number; id: string };
}

/** All SQL about keys and their secret hashes. The hash is never selected into an `ApiKey`. */
export class KeyRepository {
  constructor(private readonly store: Store) {}

  private m(tx?: EntityManager): EntityManager {
    return tx ?? this.store.manager;
  }

  async findByHash(hash: string): Promise<KeyByHash | null> {
    const rows: Row[] = await this.store.manager.query(
      `SELECT ${KEY_COLUMNS}, s.expires_at AS secret_expires_at FROM key_secrets s JOIN api_keys k ON k.id = s.key_id WHERE s.hash = ?`,
      [hash],
    );
    if (rows.length === 0) return null;
    return { key: rowToKey(rows[0]), secretExpiresAt: num(rows[0].secret_expires_at) };
  }

  /** Many hashes in one query; the result maps each hash found to its key. */
  async findByHashes(hashes: string[]): Promise<Map<string, KeyByHash>> {
    const out = new Map<string, KeyByHash>();
    if (hashes.length === 0) return out;
    const rows: Row[] = await this.store.manager.query(
      `SELECT ${KEY_COLUMNS}, s.hash AS secret_hash, s.expires_at AS secret_expires_at FROM key_secrets s JOIN api_keys k ON k.id = s.key_id ` +
        `WHERE s.hash IN (${hashes.map(() => "?").join(", ")})`,
      hashes,
    );
    for (const r of rows) out.set(String(r.secret_hash), { key: rowToKey(r), secretExpiresAt: num(r.secret_expires_at) });
    return out;
  }

  async findById(accountId: string, id: string, tx?: EntityManager, lock = false): Promise<ApiKey | null> {
    const rows: Row[] = await this.m(tx).query(
      `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.id = ? AND k.account_id = ?${lock ? this.store.forUpdate() : ""}`,
      [id, accountId],
    );
    return rows.length ? rowToKey(rows[0]) : null;
  }

  async findByIds(ids: string[], tx?: EntityManager): Promise<ApiKey[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 1000) chunks.push(ids.slice(i, i + 1000));
    const one = async (chunk: string[]) =>
      ((await this.m(tx).query(`SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.id IN (${chunk.map(() => "?").join(", ")})`, chunk)) as Row[]).map(rowToKey);
    // Outside a transaction the chunks run side by side on the pool (a 10,000-key refresh is 10 queries).
    const parts = tx || this.store.dialect === "sqlite" ? [] : await Promise.all(chunks.map(one));
    if (parts.length === 0) for (const chunk of chunks) parts.push(await one(chunk));
    return parts.flat();
  }

  async findByName(accountId: string, name: string, now: number): Promise<ApiKey | null> {
    const active = statusSql("active");
    const rows: Row[] = await this.store.manager.query(
      `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.account_id = ? AND k.name = ? AND ${active.sql} LIMIT 1`,
      [accountId, name, now],
    );
    return rows.length ? rowToKey(rows[0]) : null;
  }

  async list(accountId: string, f: ListFilter, now: number): Promise<ApiKey[]> {
    const where = ["k.account_id = ?"];
    const params: unknown[] = [accountId];
    if (f.status) {
      const c = statusSql(f.status);
      where.push(c.sql);
      for (let i = 0; i < c.nowParams; i++) params.push(now);
    }
    if (f.type) {
      where.push("k.type = ?");
      params.push(f.type);
    }
    if (f.after) {
      where.push("(k.created_at > ? OR (k.created_at = ? AND k.id > ?))");
      params.push(f.after.createdAt, f.after.createdAt, f.after.id);
    }
    const rows: Row[] = await this.store.manager.query(
      `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE ${where.join(" AND ")} ORDER BY k.created_at, k.id LIMIT ${Math.floor(f.limit)}`,
      params,
    );
    return rows.map(rowToKey);
  }

  /** Active keys counted against the account limit (live + legacy) and the temp-key cap. */
  async countActive(accountId: string, now: number, tx?: EntityManager): Promise<{ keys: number; temp: number }> {
    const active = statusSql("active");
    const rows: Row[] = await this.m(tx).query(
      `SELECT SUM(CASE WHEN k.type = 'temp' THEN 0 ELSE 1 END) AS n_keys, SUM(CASE WHEN k.type = 'temp' THEN 1 ELSE 0 END) AS n_temp ` +
        `FROM api_keys k WHERE k.account_id = ? AND ${active.sql}`,
      [accountId, now],
    );
    return { keys: Number(rows[0]?.n_keys ?? 0), temp: Number(rows[0]?.n_temp ?? 0) };
  }

  /**
   * Every active key of an account as name → id, with the counts `countActive` gives, in one query
   * (plan loading needs both, for each account of a stack).
   */
  async activeNamesAndCounts(accountId: string, now: number): Promise<{ names: Record<string, string>; keys: number; temp: number }> {
    const active = statusSql("active");
    const rows: Row[] = await this.store.manager.query(`SELECT k.id, k.name, k.type FROM api_keys k WHERE k.account_id = ? AND ${active.sql}`, [accountId, now]);
    const names: Record<string, string> = {};
    let temp = 0;
    for (const r of rows) {
      names[String(r.name)] = String(r.id);
      if (r.type === "temp") temp++;
    }
    return { names, keys: rows.length - temp, temp };
  }

  /** Which active key of an account holds each of `names` (name → key id); names nobody holds are absent. */
  async activeHolders(tx: EntityManager, accountId: string, names: string[], now: number): Promise<Map<string, string>> {
    const active = statusSql("active");
    const holders = new Map<string, string>();
    for (let i = 0; i < names.length; i += 500) {
      const chunk = names.slice(i, i + 500);
      const rows: Row[] = await tx.query(
        `SELECT k.id, k.name FROM api_keys k WHERE k.account_id = ? AND ${active.sql} AND k.name IN (${chunk.map(() => "?").join(", ")})`,
        [accountId, now, ...chunk],
      );
      for (const r of rows) holders.set(String(r.name), String(r.id));
    }
    return holders;
  }

  /** Multi-row insert of keys and their hashes. */
  async insert(tx: EntityManager, items: Array<{ key: ApiKey; hash: string }>): Promise<void> {
    for (let i = 0; i < items.length; i += 200) {
      const chunk = items.slice(i, i + 200);
      await tx.query(
        "INSERT INTO api_keys (id, account_id, name, type, masked, scopes, created_at, expires_in, expires_at, revoked_at, " +
          "last_used_at, uses, max_uses, generation, stack, stack_address) VALUES " +
          chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", "),
        chunk.flatMap(({ key: k }) => [
          k.id, k.accountId, k.name, k.type, k.masked, JSON.stringify(k.scopes), k.createdAt, k.expiresIn, k.expiresAt,
          k.revokedAt, k.lastUsedAt, k.uses, k.maxUses, k.generation, k.stack, k.stackAddress,
        ]),
      );
      await tx.query(
        `INSERT INTO key_secrets (hash, key_id, created_at, expires_at) VALUES ${chunk.map(() => "(?, ?, ?, NULL)").join(", ")}`,
        chunk.flatMap(({ key, hash }) => [hash, key.id, key.createdAt]),
      );
    }
  }

  async secretHashExists(tx: EntityManager, hash: string): Promise<boolean> {
    const rows: Row[] = await tx.query("SELECT 1 AS x FROM key_secrets WHERE hash = ?", [hash]);
    return rows.length > 0;
  }

  async update(
    tx: EntityManager,
    id: string,
    changes: Partial<Pick<ApiKey, "name" | "scopes" | "expiresIn" | "expiresAt" | "masked" | "generation" | "stack" | "stackAddress" | "revokedAt">>,
  ): Promise<void> {
    const cols: Record<string, string> = {
      name: "name", scopes: "scopes", expiresIn: "expires_in", expiresAt: "expires_at", masked: "masked",
      generation: "generation", stack: "stack", stackAddress: "stack_address", revokedAt: "revoked_at",
    };
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) continue;
      sets.push(`${cols[k]} = ?`);
      params.push(k === "scopes" ? JSON.stringify(v) : v);
    }
    if (sets.length === 0) return;
    await tx.query(`UPDATE api_keys SET ${sets.join(", ")} WHERE id = ?`, [...params, id]);
  }

  /** Replaces a key's secret; the previous hashes die at `oldSecretsExpireAt` (now, or after a grace period). */
  async replaceSecret(tx: EntityManager, id: string, hash: string, now: number, oldSecretsExpireAt: number): Promise<void> {
    await tx.query("DELETE FROM key_secrets WHERE key_id = ? AND expires_at IS NOT NULL AND expires_at <= ?", [id, now]);
    if (oldSecretsExpireAt <= now) await tx.query("DELETE FROM key_secrets WHERE key_id = ?", [id]);
    else await tx.query("UPDATE key_secrets SET expires_at = ? WHERE key_id = ? AND (expires_at IS NULL OR expires_at > ?)", [oldSecretsExpireAt, id, oldSecretsExpireAt]);
    await tx.query("INSERT INTO key_secrets (hash, key_id, created_at, expires_at) VALUES (?, ?, ?, NULL)", [hash, id, now]);
  }

  async revoke(tx: EntityManager, ids: string[], now: number): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await tx.query(`UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL AND id IN (${chunk.map(() => "?").join(", ")})`, [now, ...chunk]);
    }
  }

  /** Every key of an account not yet revoked, locked for the caller's transaction (revoke-all). */
  async nonRevoked(tx: EntityManager, accountId: string): Promise<ApiKey[]> {
    const rows: Row[] = await tx.query(`SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.account_id = ? AND k.revoked_at IS NULL${this.store.forUpdate()}`, [accountId]);
    return rows.map(rowToKey);
  }

  /**
   * Spends one use of a temp key in a single conditional UPDATE, so that under any concurrency exactly
   * `max_uses` callers succeed. Returns false when the key is used up, expired or revoked.
   */
  async spendTempUse(id: string, now: number): Promise<boolean> {
    const sql =
      "UPDATE api_keys SET uses = uses + 1, last_used_at = ? WHERE id = ? AND revoked_at IS NULL AND max_uses IS NOT NULL " +
      "AND uses < max_uses AND (expires_at IS NULL OR expires_at > ?)";
    const params = [now, id, now];
    if (this.store.dialect === "sqlite") return this.store.write(async (tx) => (await this.store.execute(sql, params, tx)) === 1);
    return (await this.store.execute(sql, params)) === 1;
  }

  /**
   * Spends one use like `spendTempUse` and returns the uses left right after it (null when none was
   * spent). The read happens in the spending transaction, whose row lock keeps other spends out, so
   * concurrent verifications each report their own count instead of a later one.
   */
  async spendTempUseCounted(id: string, now: number): Promise<number | null> {
    const sql =
      "UPDATE api_keys SET uses = uses + 1, last_used_at = ? WHERE id = ? AND revoked_at IS NULL AND max_uses IS NOT NULL " +
      "AND uses < max_uses AND (expires_at IS NULL OR expires_at > ?)";
    return this.store.write(async (tx) => {
      if ((await this.store.execute(sql, [now, id, now], tx)) !== 1) return null;
      const rows: Row[] = await tx.query("SELECT uses, max_uses FROM api_keys WHERE id = ?", [id]);
      return Math.max(0, Number(rows[0].max_uses) - Number(rows[0].uses));
    });
  }

  async remainingUses(id: string): Promise<number | null> {
    const rows: Row[] = await this.store.manager.query("SELECT uses, max_uses FROM api_keys WHERE id = ?", [id]);
    if (!rows.length || rows[0].max_uses === null) return null;
    return Math.max(0, Number(rows[0].max_uses) - Number(rows[0].uses));
  }
}

/** Active keys of every account by type (for the metrics gauge). */
export async function countActiveByType(store: Store, now: number): Promise<Record<string, number>> {
  const active = statusSql("active");
  const rows: Row[] = await store.manager.query(`SELECT k.type, COUNT(*) AS n FROM api_keys k WHERE ${active.sql} GROUP BY k.type`, [now]);
  return Object.fromEntries(rows.map((r) => [String(r.type), Number(r.n)]));
}
