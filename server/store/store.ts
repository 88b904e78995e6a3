import { DataSource, EntityManager, type DataSourceOptions, type QueryRunner } from "typeorm";
import { isWriteConflict } from "./driver-errors";
import { GALERA_SESSION_STATEMENTS, mysql2WithSession, probeServer } from "./galera";
import { withMigrationLease } from "./migration-lease";
import { guardQueries } from "./query-deadline";
import { ENTITIES, MIGRATIONS } from "./registry";

export type Dialect = "sqlite" | "mysql";

export interface StoreOptions {
  /** `mysql://user:pass@host:3306/db`, `mariadb://…`, `sqlite:/path/file.sqlite` or `sqlite::memory:`. */
  url: string;
  poolSize?: number;
  /** MySQL: give up on connecting after this long (default 3 s), so an unreachable server is a quick 503. */
  connectTimeoutMs?: number;
  /** MySQL: a query the server has not answered after this long fails and its connection is dropped (default 15 s). */
  queryTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;

/**
 * A write that lost to a competing one (1213/1205) runs again, whole, up to this many times in all, with
 * a random pause below an exponentially growing cap ("full jitter") so that losers do not collide again
 * in step; and not after `RETRY_BUDGET_MS`, so a stuck lock ends as a 503 rather than a long wait.
 */
const WRITE_ATTEMPTS = 16;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 250;
const RETRY_BUDGET_MS = 10_000;

/**
 * The database and its write discipline. MySQL: each write runs in a READ COMMITTED transaction that
 * claims the rows it depends on by writing them (see `AccountRepository.lockForKeyChange`), and runs
 * again when the server reports a conflict — which is what makes the rules hold on one server and on a
 * multi-primary cluster (Galera) alike. SQLite: one connection, so write transactions are queued in
 * process and run one at a time under `BEGIN IMMEDIATE` (SQLite mode is single-process by design).
 */
export class Store {
  private sqliteQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataSource: DataSource,
    readonly dialect: Dialect,
    /** The server is a Galera cluster node (`wsrep_on`): every session waits for causality on reads. */
    readonly galera: boolean,
    /** How it was opened: another thread (a plan worker) opens its own connection from this. */
    readonly options: StoreOptions,
  ) {}

  static async open(opts: StoreOptions): Promise<Store> {
    const store = await Store.connect(opts);
    try {
      await store.migrate();
    } catch (err) {
      await store.dataSource.destroy().catch(() => undefined);
      throw err;
    }
    return store;
  }

  /**
   * A second connection to a database that `open` has already migrated, for reads from another thread
   * (plan workers): no migrations, and on MySQL a small pool of its own.
   */
  static async openReader(opts: StoreOptions): Promise<Store> {
    if (isInMemory(opts)) throw new Error("An in-memory SQLite database cannot be opened from another thread.");
    return Store.connect(opts);
  }

  private static async connect(opts: StoreOptions): Promise<Store> {
    const { options, dialect, galera } = await dataSourceOptions(opts);
    const ds = new DataSource(options);
    if (dialect === "mysql") guardQueries(ds, opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
    await ds.initialize();
    return new Store(ds, dialect, galera, opts);
  }

  /** An in-memory SQLite database lives in this thread's connection only. */
  get inMemory(): boolean {
    return isInMemory(this.options);
  }

  /** For reads. Writes go through `write`. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  async migrate(): Promise<void> {
    if (this.dialect === "sqlite") {
      await this.dataSource.runMigrations({ transaction: "each" });
      return;
    }
    // Replicas starting together (on one server or on several cluster nodes) take turns; MySQL commits
    // DDL implicitly, so per-migration transactions buy nothing there.
    await withMigrationLease(this.dataSource, () => this.dataSource.runMigrations({ transaction: "none" }));
  }

  async pendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  /**
   * Runs `fn` in one write transaction. On MySQL a transaction the server rolled back for a conflict is
   * run again from the start, so `fn` must keep every effect inside the transaction (audit rows are);
   * caches and metrics are touched by the caller once this has resolved, i.e. after COMMIT.
   */
  async write<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === "sqlite") return this.sqliteWrite(fn);
    return retryConflicts(() => this.dataSource.transaction("READ COMMITTED", fn));
  }

  private sqliteWrite<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    const run = async () => {
      const qr = this.dataSource.createQueryRunner();
      await qr.query("BEGIN IMMEDIATE");
      try {
        const result = await fn(qr.manager);
        await qr.query("COMMIT");
        return result;
      } catch (err) {
        await qr.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    };
    const next = this.sqliteQueue.then(run, run);
    this.sqliteQueue = next.catch(() => undefined);
    return next;
  }

  /** `SELECT … FOR UPDATE` on MySQL; on SQLite the write queue already serializes. */
  forUpdate(): " FOR UPDATE" | "" {
    return this.dialect === "mysql" ? " FOR UPDATE" : "";
  }

  /** Inserts or adds to a counter row; the one statement both dialects spell differently. */
  upsertAddSql(table: string, keyCols: string[], addCol: string, rows: number): string {
    const cols = [...keyCols, addCol];
    const values = Array.from({ length: rows }, () => `(${cols.map(() => "?").join(", ")})`).join(", ");
    const insert = `INSERT INTO ${table} (${cols.join(", ")}) VALUES ${values}`;
    return this.dialect === "mysql"
      ? `${insert} ON DUPLICATE KEY UPDATE ${addCol} = ${addCol} + VALUES(${addCol})`
      : `${insert} ON CONFLICT (${keyCols.join(", ")}) DO UPDATE SET ${addCol} = ${addCol} + excluded.${addCol}`;
  }

  /**
   * Runs a write statement and returns the number of rows it changed. Without `tx` it commits on its own
   * (autocommit) and, like `write`, runs again when it lost a conflict.
   */
  async execute(sql: string, params: unknown[], tx?: EntityManager): Promise<number> {
    const run = async (qr: QueryRunner) => (await qr.query(sql, params, true)).affected ?? 0;
    if (tx?.queryRunner) return run(tx.queryRunner);
    return retryConflicts(async () => {
      const qr = this.dataSource.createQueryRunner();
      try {
        return await run(qr);
      } finally {
        await qr.release();
      }
    });
  }

  /** The database answers; a Galera node must also be ready (in the primary component, synced enough). */
  async ping(): Promise<void> {
    if (!this.galera) {
      await this.dataSource.query("SELECT 1");
      return;
    }
    const rows: Array<{ Value?: string }> = await this.dataSource.query("SHOW STATUS LIKE 'wsrep_ready'");
    if (rows[0]?.Value !== "ON") throw Object.assign(new Error("This Galera node is not ready (wsrep_ready is OFF)"), { code: "WSREP_NOT_READY" });
  }

  async close(): Promise<void> {
    await this.sqliteQueue;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

function sqliteFile(url: string): string {
  return url.slice("sqlite:".length).replace(/^\/\//, "") || ":memory:";
}

function isInMemory(opts: StoreOptions): boolean {
  return opts.url.startsWith("sqlite:") && sqliteFile(opts.url) === ":memory:";
}

async function dataSourceOptions(opts: StoreOptions): Promise<{ options: DataSourceOptions; dialect: Dialect; galera: boolean }> {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsTableName: "keyform_migrations", logging: false };
  if (opts.url.startsWith("sqlite:")) {
    const database = sqliteFile(opts.url);
    return {
      dialect: "sqlite",
      galera: false,
      options: {
        ...common,
        type: "better-sqlite3",
        database,
        enableWAL: database !== ":memory:",
        timeout: 5000,
      },
    };
  }
  const url = new URL(opts.url);
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
    throw new Error(`Unsupported database URL scheme ${url.protocol} (use mysql://, mariadb:// or sqlite:)`);
  }
  const connection = {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || "root",
    password: decodeURIComponent(url.password),
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
  const server = await probeServer(connection);
  return {
    dialect: "mysql",
    galera: server.galera,
    options: {
      ...common,
      type: url.protocol === "mariadb:" || server.mariadb ? "mariadb" : "mysql",
      ...(server.galera ? { driver: await mysql2WithSession(GALERA_SESSION_STATEMENTS) } : {}),
      host: connection.host,
      port: connection.port,
      username: connection.user,
      password: connection.password,
      database: decodeURIComponent(url.pathname.replace(/^\//, "")),
      charset: "utf8mb4_bin",
      timezone: "Z",
      supportBigNumbers: true,
      bigNumberStrings: false,
      extra: {
        connectionLimit: opts.poolSize ?? 10,
        connectTimeout: connection.connectTimeout,
        enableKeepAlive: true,
        maxIdle: opts.poolSize ?? 10,
      },
    },
  };
}

/** Runs `run` again while it fails with a write conflict (see `WRITE_ATTEMPTS`). */
async function retryConflicts<T>(run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isWriteConflict(err) || attempt >= WRITE_ATTEMPTS || Date.now() - started > RETRY_BUDGET_MS) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt)));
    }
  }
}
