/** What a database driver error means to keyform: retry the transaction, or "the store is unavailable". */

interface DriverError {
  code?: string;
  errno?: number;
  fatal?: boolean;
  message?: string;
  driverError?: { code?: string; errno?: number; fatal?: boolean; message?: string };
}

/** The driver's error code (`ER_DUP_ENTRY`, `SQLITE_BUSY`, `ECONNRESET` …), through TypeORM's wrapper. */
export function driverErrorCode(err: unknown): string | undefined {
  const e = err as DriverError | undefined;
  return e?.driverError?.code ?? e?.code;
}

function driverErrno(err: unknown): number | undefined {
  const e = err as DriverError | undefined;
  return e?.driverError?.errno ?? e?.errno;
}

/**
 * The server rolled the transaction back because a competing one won, and says to run it again:
 * 1213 ER_LOCK_DEADLOCK (SQLSTATE 40001) — an InnoDB deadlock, or on Galera a certification failure at
 * COMMIT or a brute-force abort by a write-set from another node — and 1205 ER_LOCK_WAIT_TIMEOUT.
 * The server rolled the transaction back (for 1205 only the statement, and keyform's ROLLBACK the rest),
 * so nothing of it was kept and running the whole transaction again is safe.
 */
export function isWriteConflict(err: unknown): boolean {
  const code = driverErrorCode(err);
  return code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT";
}

/** Errors from the database driver that mean "the store is not reachable right now". */
const STORE_DOWN = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT", "ER_CON_COUNT_ERROR", "POOL_CLOSED", "ER_SERVER_SHUTDOWN", "ECONNABORTED",
  "ER_ACCESS_DENIED_ERROR", "ER_BAD_DB_ERROR", "SQLITE_BUSY", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL",
  // A write conflict still there after `Store.write`'s retries, or a lock held by a transaction whose
  // node or client went away: the write did not happen, and retrying later is right.
  "ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT",
  // Galera: 1047 "WSREP has not yet prepared node for application use" (the node lost the primary
  // component or is rejoining), 1180 "error during COMMIT" (its write-set could not be replicated).
  "ER_UNKNOWN_COM_ERROR", "ER_ERROR_DURING_COMMIT",
  // A query killed on the server (shutdown, an operator's KILL, a node leaving the cluster).
  "ER_QUERY_INTERRUPTED", "ER_CLIENT_INTERACTION_TIMEOUT",
  // keyform's own readiness check of a Galera node (`Store.ping`).
  "WSREP_NOT_READY",
]);

/** MariaDB-only codes the mysql2 driver has no name for: 1927 ER_CONNECTION_KILLED. */
const STORE_DOWN_ERRNO = new Set([1927]);

export function isStoreUnavailable(err: unknown): boolean {
  const e = err as DriverError | undefined;
  const code = driverErrorCode(err);
  if (code && STORE_DOWN.has(code)) return true;
  const errno = driverErrno(err);
  if (errno !== undefined && STORE_DOWN_ERRNO.has(errno)) return true;
  if (e?.fatal || e?.driverError?.fatal) return true;
  return /Connection lost|connect ETIMEDOUT|Pool is closed|Can't add new command when connection is in closed state|connection is closed/i.test(e?.message ?? "");
}
