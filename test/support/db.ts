import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { Store } from "../../server/store/store";

export type StoreKind = "sqlite" | "mysql";
export const STORE_KINDS: StoreKind[] = ["sqlite", "mysql"];

/** Base URL of the real MySQL/MariaDB server the suite uses (root, empty password by default). */
export const MYSQL_BASE = process.env.KEYFORM_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin(base: string) {
  const u = new URL(base);
  return mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || "root", password: decodeURIComponent(u.password) });
}

/**
 * A fresh, private database for one test file: a new MySQL schema or a new SQLite file. `base`: the
 * MySQL server (another one than the suite's, e.g. a Galera node).
 */
export async function freshDatabase(kind: StoreKind, base = MYSQL_BASE): Promise<TestDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "keyform-test-"));
    return { url: `sqlite:${join(dir, "keyform.sqlite")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `kf_test_${randomBytes(6).toString("hex")}`;
  const conn = await admin(base);
  // The server's default collation (case-insensitive on MySQL/MariaDB), as a user's database has it: keyform's
  // migrations must make names compare the same way as on SQLite by themselves.
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await conn.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = await admin(base);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export async function openStore(kind: StoreKind): Promise<{ store: Store; db: TestDatabase }> {
  const db = await freshDatabase(kind);
  const store = await Store.open({ url: db.url });
  return { store, db };
}
