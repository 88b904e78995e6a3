import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { driverErrorCode, isWriteConflict } from "./driver-errors";

const TABLE = "keyform_migration_lease";
const LEASE = "migrations";

export interface LeaseOptions {
  /** A holder that stops renewing (crashed) loses the lease after this long. */
  ttlMs?: number;
  /** Give up waiting for another holder after this long. */
  waitMs?: number;
  pollMs?: number;
  clock?: () => number;
}

/**
 * Runs `fn` (the migrations) while holding a lease row that no other replica can hold at the same time,
 * on one MySQL server or on several nodes of a multi-primary cluster alike. `GET_LOCK` cannot do this on
 * Galera (named locks are local to one node); a row with a primary key can: two replicas inserting it on
 * two nodes conflict, and only one insert commits. A waiting replica polls until the holder deletes the
 * row (or its lease expires, when the holder died), then takes it and finds nothing left to run.
 */
export async function withMigrationLease<T>(ds: DataSource, fn: () => Promise<T>, opts: LeaseOptions = {}): Promise<T> {
  const ttlMs = opts.ttlMs ?? 30_000;
  const waitMs = opts.waitMs ?? 120_000;
  const pollMs = opts.pollMs ?? 250;
  const clock = opts.clock ?? Date.now;
  const holder = randomUUID();
  // Raw DDL with IF NOT EXISTS, not the Table API: replicas starting together all run it, and on Galera
  // each DDL statement runs cluster-wide in one total order, so the later ones are no-ops.
  await ds.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (name VARCHAR(64) NOT NULL PRIMARY KEY, holder VARCHAR(64) NOT NULL, expires_at BIGINT NOT NULL) ENGINE=InnoDB`);
  const deadline = clock() + waitMs;
  while (!(await take(ds, holder, clock() + ttlMs, clock()))) {
    if (clock() > deadline) throw new Error(`Timed out after ${Math.round(waitMs / 1000)} s waiting for another replica's migrations (lease row in ${TABLE}).`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const renew = setInterval(() => void affected(ds, `UPDATE ${TABLE} SET expires_at = ? WHERE name = ? AND holder = ?`, [clock() + ttlMs, LEASE, holder]).catch(() => undefined), ttlMs / 3);
  renew.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await affected(ds, `DELETE FROM ${TABLE} WHERE name = ? AND holder = ?`, [LEASE, holder]);
  }
}

/** Inserts the lease row, or takes over an expired one; false while someone else holds it. */
async function take(ds: DataSource, holder: string, expiresAt: number, now: number): Promise<boolean> {
  try {
    return (await affected(ds, `INSERT INTO ${TABLE} (name, holder, expires_at) VALUES (?, ?, ?)`, [LEASE, holder, expiresAt])) === 1;
  } catch (err) {
    // Taken already (here or, on Galera, by a concurrent insert on another node that certified first).
    if (driverErrorCode(err) !== "ER_DUP_ENTRY" && !isWriteConflict(err)) throw err;
  }
  try {
    return (await affected(ds, `UPDATE ${TABLE} SET holder = ?, expires_at = ? WHERE name = ? AND expires_at < ?`, [holder, expiresAt, LEASE, now])) === 1;
  } catch (err) {
    if (isWriteConflict(err)) return false; // another replica took over the expired lease first
    throw err;
  }
}

async function affected(ds: DataSource, sql: string, params: unknown[]): Promise<number> {
  const qr = ds.createQueryRunner();
  try {
    return (await qr.query(sql, params, true)).affected ?? 0;
  } finally {
    await qr.release();
  }
}
