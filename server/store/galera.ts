import type { ConnectionOptions, PoolOptions } from "mysql2";

/**
 * Set on every keyform session when the server is a Galera node. `wsrep_sync_wait = 1` makes each
 * SELECT, SHOW and BEGIN wait until this node has applied every write-set the cluster committed before
 * it, so a read on one node sees a write acknowledged through another (read-your-writes across
 * replicas; the verification cache's revocation bound). Writes need no wait: a write based on stale
 * rows fails certification (1213) and `Store.write` runs it again.
 */
export const GALERA_SESSION_STATEMENTS = ["SET SESSION wsrep_sync_wait = 1"];

export interface ServerTraits {
  mariadb: boolean;
  /** `wsrep_on` is ON: a Galera cluster node (MariaDB Galera, Percona XtraDB Cluster). */
  galera: boolean;
}

/** Asks the server what it is, on a connection of its own. */
export async function probeServer(options: ConnectionOptions): Promise<ServerTraits> {
  const mysql = await import("mysql2/promise");
  const conn = await mysql.createConnection(options);
  try {
    const [version] = await conn.query("SELECT VERSION() AS v");
    const [wsrep] = await conn.query("SHOW VARIABLES LIKE 'wsrep_on'");
    return {
      mariadb: /mariadb/i.test(String((version as Array<{ v: string }>)[0].v)),
      galera: String((wsrep as Array<{ Value?: string }>)[0]?.Value ?? "").toUpperCase() === "ON",
    };
  } finally {
    await conn.end();
  }
}

/**
 * mysql2 as TypeORM's `driver`, running `statements` on each new pooled connection before it is handed
 * out (mysql2 queues them ahead of the borrower's first query). A connection on which one fails is
 * destroyed, so no query ever runs on a session without its settings: it fails as a lost connection.
 */
export async function mysql2WithSession(statements: string[]) {
  const mysql2 = await import("mysql2");
  return {
    createPool(options: PoolOptions) {
      const pool = mysql2.createPool(options);
      pool.on("connection", (conn) => {
        for (const sql of statements) conn.query(sql, (err) => err && conn.destroy());
      });
      return pool;
    },
  };
}
