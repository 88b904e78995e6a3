import type { DataSource } from "typeorm";

const GUARDED = Symbol("keyform.queryDeadline");

interface CoreConnection {
  query: (...args: unknown[]) => unknown;
  stream?: { destroy(err?: Error): void };
  [GUARDED]?: true;
}

/**
 * mysql2 has no deadline for a query whose server stopped answering (a partition, a hung server): the
 * request would wait for ever and every later query queues behind it on the same connection. Each
 * pooled connection gets a watchdog instead: a query running longer than `ms` destroys the connection,
 * so the query fails with PROTOCOL_SEQUENCE_TIMEOUT (→ 503 STORE_UNAVAILABLE) and the pool replaces it.
 * The server rolls back whatever transaction that connection had open.
 */
export function guardQueries(ds: DataSource, ms: number): void {
  const driver = ds.driver as unknown as { prepareDbConnection?: (c: CoreConnection) => unknown };
  const prepare = driver.prepareDbConnection?.bind(driver);
  if (!prepare) return;
  driver.prepareDbConnection = (conn: CoreConnection) => {
    if (!conn[GUARDED]) {
      conn[GUARDED] = true;
      const query = conn.query.bind(conn);
      conn.query = (...args: unknown[]) => {
        const i = args.findIndex((a) => typeof a === "function");
        if (i < 0) return query(...args);
        const callback = args[i] as (...r: unknown[]) => void;
        const timer = setTimeout(() => {
          const err = Object.assign(new Error(`Query inactivity timeout (${ms} ms): the database stopped answering`), { code: "PROTOCOL_SEQUENCE_TIMEOUT" });
          conn.stream?.destroy(err);
        }, ms);
        timer.unref();
        args[i] = (...r: unknown[]) => {
          clearTimeout(timer);
          callback(...r);
        };
        return query(...args);
      };
    }
    return prepare(conn);
  };
}
