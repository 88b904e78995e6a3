import { MigrationInterface, QueryRunner, TableColumn } from "typeorm";

/**
 * `plans.apply_result` lists every applied resource (address, action, key id): about 90 bytes each, so
 * an apply of ~700 keys or more overflowed MySQL's TEXT (64 KiB) and failed with ER_DATA_TOO_LONG.
 * LONGTEXT on MySQL/MariaDB; SQLite's TEXT is unbounded and stays as it is.
 */
export class ApplyResultLongtext1763900000000 implements MigrationInterface {
  name = "ApplyResultLongtext1763900000000";

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === "better-sqlite3") return;
    await q.changeColumn("plans", "apply_result", new TableColumn({ name: "apply_result", type: "longtext", isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === "better-sqlite3") return;
    await q.changeColumn("plans", "apply_result", new TableColumn({ name: "apply_result", type: "text", isNullable: true }));
  }
}
