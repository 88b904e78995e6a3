import { MigrationInterface, QueryRunner, Table, TableIndex } from "typeorm";

const epoch = (name: string, isNullable = false) => ({ name, type: "bigint", isNullable });

export class Stacks1700000000002 implements MigrationInterface {
  name = "Stacks1700000000002";

  async up(q: QueryRunner): Promise<void> {
    // MySQL's TEXT holds 64 KiB: too small for a 10,000-key state, a plan, the result of a large apply, or
    // the account list of a hostile config. LONGTEXT there; SQLite's TEXT is unbounded.
    const big = q.connection.driver.options.type === "better-sqlite3" ? "text" : "longtext";
    await q.createTable(
      new Table({
        name: "stacks",
        columns: [
          { name: "name", type: "varchar", length: "128", isPrimary: true },
          { name: "lineage", type: "varchar", length: "36" },
          { name: "serial", type: "integer", default: 0 },
          { name: "state", type: big },
          { name: "lock_id", type: "varchar", length: "36", isNullable: true },
          { name: "lock_operation", type: "varchar", length: "32", isNullable: true },
          { name: "lock_who", type: "varchar", length: "255", isNullable: true },
          { name: "lock_info", type: "varchar", length: "255", isNullable: true },
          epoch("lock_created_at", true),
          epoch("lock_expires_at", true),
          epoch("created_at"),
          epoch("updated_at"),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "plans",
        columns: [
          { name: "id", type: "varchar", length: "32", isPrimary: true },
          { name: "stack", type: "varchar", length: "128" },
          { name: "lineage", type: "varchar", length: "36", isNullable: true },
          { name: "serial", type: "integer" },
          { name: "accounts", type: big },
          { name: "errored", type: "integer", default: 0 },
          { name: "has_changes", type: "integer", default: 0 },
          { name: "summary", type: "varchar", length: "255" },
          { name: "created_by", type: "varchar", length: "160" },
          epoch("created_at"),
          epoch("expires_at"),
          epoch("applied_at", true),
          { name: "applied_by", type: "varchar", length: "160", isNullable: true },
          { name: "apply_result", type: big, isNullable: true },
          { name: "body", type: big },
        ],
        indices: [new TableIndex({ name: "idx_plans_stack", columnNames: ["stack", "created_at"] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("plans");
    await q.dropTable("stacks");
  }
}
