import { DataSource, EntityManager, type DataSourceOptions } from "typeorm";
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

const MIGRATION_LOCK = "keyform_migrations";

/**
 * The database and its write discipline. MySQL: each write runs in a READ COMMITTED transaction and
 * takes row locks with `lockForUpdate`. SQLite: one connection, so write transactions are queued in
 * process and run one at a time under `BEGIN IMMEDIATE` (SQLite mode is single-process by design).
 */
export class Store {
  private sqliteQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataSource: DataSource,
    readonly dialect: Dialect,
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
    const { options, dialect } = await dataSourceOptions(opts);
    const ds = new DataSource(options);
    if (dialect === "mysql") guardQueries(ds, opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
    await ds.initialize();
    return new Store(ds, dialect, opts);
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
    // Replicas starting together must not run the same migration twice.
    const qr = this.dataSource.createQueryRunner();
    try {
      await qr.connect();
      // Wait for the lock in short steps so that no single query outlives the query deadline.
      let locked = false;
      for (let i = 0; i < 24 && !locked; i++) {
        const rows: Array<Record<string, unknown>> = await qr.query("SELECT GET_LOCK(?, 5) AS got", [MIGRATION_LOCK]);
        locked = Number(rows[0]?.got) === 1;
      }
      if (!locked) throw new Error("Timed out after 120 s waiting for another replica's migrations (MySQL lock keyform_migrations).");
      try {
        // MySQL commits DDL implicitly, so per-migration transactions buy nothing there.
        await this.dataSource.runMigrations({ transaction: "none" });
      } finally {
        await qr.query("SELECT RELEASE_LOCK(?)", [MIGRATION_LOCK]);
      }
    } finally {
      await qr.release();
    }
  }

  async pendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  /** Runs `fn` in one write transaction; retried on MySQL deadlocks. */
  async write<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === "sqlite") return this.sqliteWrite(fn);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction("READ COMMITTED", fn);
      } catch (err) {
        const code = (err as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (err as { code?: string }).code;
        if (attempt < 5 && (code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT")) continue;
        throw err;
      }
    }
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

  /** Runs a write statement and returns the number of rows it changed. */
  async execute(sql: string, params: unknown[], tx?: EntityManager): Promise<number> {
    const qr = tx?.queryRunner ?? this.dataSource.createQueryRunner();
    try {
      const result = await qr.query(sql, params, true);
      return result.affected ?? 0;
    } finally {
      if (!tx?.queryRunner) await qr.release();
    }
  }

  async ping(): Promise<void> {
    await this.dataSource.query("SELECT 1");
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

async function dataSourceOptions(opts: StoreOptions): Promise<{ options: DataSourceOptions; dialect: Dialect }> {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsTableName: "keyform_migrations", logging: false };
  if (opts.url.startsWith("sqlite:")) {
    const database = sqliteFile(opts.url);
    return {
      dialect: "sqlite",
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
  const mariadb = url.protocol === "mariadb:" || (await isMariaDb(url, opts));
  return {
    dialect: "mysql",
    options: {
      ...common,
      type: mariadb ? "mariadb" : "mysql",
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      username: decodeURIComponent(url.username) || "root",
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.replace(/^\//, "")),
      charset: "utf8mb4_bin",
      timezone: "Z",
      supportBigNumbers: true,
      bigNumberStrings: false,
      extra: {
        connectionLimit: opts.poolSize ?? 10,
        connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        enableKeepAlive: true,
        maxIdle: opts.poolSize ?? 10,
      },
    },
  };
}

async function isMariaDb(url: URL, opts: StoreOptions): Promise<boolean> {
  const mysql = await import("mysql2/promise");
  const conn = await mysql.createConnection({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  try {
    const [rows] = await conn.query("SELECT VERSION() AS v");
    return /mariadb/i.test(String((rows as Array<{ v: string }>)[0].v));
  } finally {
    await conn.end();
  }
}
