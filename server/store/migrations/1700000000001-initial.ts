import { MigrationInterface, QueryRunner, Table, TableIndex } from "typeorm";

const epoch = (name: string, isNullable = false) => ({ name, type: "bigint", isNullable });

export class Initial1700000000001 implements MigrationInterface {
  name = "Initial1700000000001";

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "accounts",
        columns: [
          { name: "id", type: "varchar", length: "64", isPrimary: true },
          { name: "name", type: "varchar", length: "255", isNullable: true },
          { name: "key_limit", type: "integer", default: 10 },
          { name: "max_expiry", type: "varchar", length: "8", isNullable: true },
          epoch("created_at"),
          epoch("updated_at"),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "api_keys",
        columns: [
          { name: "id", type: "varchar", length: "32", isPrimary: true },
          { name: "account_id", type: "varchar", length: "64" },
          { name: "name", type: "varchar", length: "128" },
          { name: "type", type: "varchar", length: "8" },
          { name: "masked", type: "varchar", length: "64" },
          { name: "scopes", type: "text" },
          epoch("created_at"),
          { name: "expires_in", type: "varchar", length: "8", isNullable: true },
          epoch("expires_at", true),
          epoch("revoked_at", true),
          epoch("last_used_at", true),
          { name: "uses", type: "integer", default: 0 },
          { name: "max_uses", type: "integer", isNullable: true },
          { name: "generation", type: "integer", default: 1 },
          { name: "stack", type: "varchar", length: "128", isNullable: true },
          { name: "stack_address", type: "varchar", length: "512", isNullable: true },
        ],
        indices: [
          new TableIndex({ name: "idx_api_keys_account", columnNames: ["account_id", "revoked_at"] }),
          new TableIndex({ name: "idx_api_keys_stack", columnNames: ["stack"] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "key_secrets",
        columns: [
          { name: "hash", type: "varchar", length: "64", isPrimary: true },
          { name: "key_id", type: "varchar", length: "32" },
          epoch("created_at"),
          epoch("expires_at", true),
        ],
        indices: [new TableIndex({ name: "idx_key_secrets_key", columnNames: ["key_id"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "key_usage",
        columns: [
          { name: "key_id", type: "varchar", length: "32", isPrimary: true },
          { name: "bucket", type: "bigint", isPrimary: true },
          { name: "operation", type: "varchar", length: "16", isPrimary: true },
          { name: "source", type: "varchar", length: "64", isPrimary: true },
          { name: "count", type: "integer" },
        ],
        indices: [new TableIndex({ name: "idx_key_usage_bucket", columnNames: ["bucket"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "audit_events",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "account_id", type: "varchar", length: "64" },
          epoch("at"),
          { name: "actor", type: "varchar", length: "160" },
          { name: "action", type: "varchar", length: "64" },
          { name: "target", type: "varchar", length: "160", isNullable: true },
          { name: "source", type: "varchar", length: "64", isNullable: true },
          { name: "details", type: "text" },
        ],
        indices: [new TableIndex({ name: "idx_audit_account", columnNames: ["account_id", "id"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "auth_failures",
        columns: [
          { name: "address", type: "varchar", length: "64", isPrimary: true },
          epoch("window_start"),
          { name: "failures", type: "integer" },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["auth_failures", "audit_events", "key_usage", "key_secrets", "api_keys", "accounts"]) {
      await q.dropTable(t);
    }
  }
}
