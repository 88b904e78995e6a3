import type { MigrationInterface, QueryRunner } from "typeorm";

type Row = Record<string, unknown>;

const TABLES = ["accounts", "api_keys", "key_secrets", "key_usage", "audit_events", "auth_failures", "stacks", "plans"];

/**
 * Stacks become owned (core/stack-ref.ts): an account's stack is stored as `account/name`, the
 * operator's as `name`. An existing stack goes to the account whose key applied it last, when every
 * key in its state belongs to that account; otherwise it stays the operator's. Its plans and the keys
 * it manages follow it, so it keeps working for whoever used it.
 *
 * MySQL also gets what SQLite already has: room for the longer stored names, and byte-wise comparison
 * of every text column (utf8mb4_bin), so that a key name, stack name or anything else is the same
 * name on both stores ("deploy" and "DEPLOY" are two names everywhere).
 */
export class StackOwners1700000000003 implements MigrationInterface {
  name = "StackOwners1700000000003";

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type !== "better-sqlite3") {
      // The database's default too, so that tables created by later migrations compare the same way.
      await q.query("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      for (const table of TABLES) {
        if (await q.hasTable(table)) await q.query(`ALTER TABLE ${table} CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      }
      await q.query("ALTER TABLE stacks MODIFY name varchar(200) NOT NULL");
      await q.query("ALTER TABLE plans MODIFY stack varchar(200) NOT NULL");
      await q.query("ALTER TABLE api_keys MODIFY stack varchar(200) NULL");
    }
    const stacks: Row[] = await q.query("SELECT name, state FROM stacks");
    for (const s of stacks) {
      const name = String(s.name);
      const owner = await lastApplyingAccount(q, name);
      if (owner === null) continue;
      const resources = (JSON.parse(String(s.state)) as { resources?: Array<{ account: string }> }).resources ?? [];
      if (!resources.every((r) => r.account === owner)) continue;
      const key = `${owner}/${name}`;
      await q.query("UPDATE stacks SET name = ? WHERE name = ?", [key, name]);
      await q.query("UPDATE plans SET stack = ? WHERE stack = ?", [key, name]);
      await q.query("UPDATE api_keys SET stack = ? WHERE stack = ?", [key, name]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to one global namespace: drop the owner prefix (names may then collide; the operator resolves it).
    const stacks: Row[] = await q.query("SELECT name FROM stacks WHERE name LIKE '%/%'");
    for (const s of stacks) {
      const key = String(s.name);
      const name = key.slice(key.indexOf("/") + 1);
      await q.query("UPDATE stacks SET name = ? WHERE name = ?", [name, key]);
      await q.query("UPDATE plans SET stack = ? WHERE stack = ?", [name, key]);
      await q.query("UPDATE api_keys SET stack = ? WHERE stack = ?", [name, key]);
    }
  }
}

/** The account of the key that applied the stack last, or null when the operator did (or nobody). */
async function lastApplyingAccount(q: QueryRunner, stack: string): Promise<string | null> {
  const plans: Row[] = await q.query("SELECT applied_by FROM plans WHERE stack = ? AND applied_at IS NOT NULL ORDER BY applied_at DESC LIMIT 1", [stack]);
  const by = plans.length ? String(plans[0].applied_by) : "";
  if (!by.startsWith("key:")) return null;
  const keys: Row[] = await q.query("SELECT account_id FROM api_keys WHERE id = ?", [by.slice(4)]);
  return keys.length ? String(keys[0].account_id) : null;
}
