import { MigrationInterface, QueryRunner, TableColumn } from "typeorm";

/**
 * `accounts.version`: bumped by every transaction that decides on an account's keys (limits, names), so
 * that two such transactions always write a common row. On one MySQL that is the same row lock as
 * `SELECT … FOR UPDATE`; on a multi-primary cluster it is what makes them conflict at all.
 */
export class AccountVersion1700000000004 implements MigrationInterface {
  name = "AccountVersion1700000000004";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("accounts", new TableColumn({ name: "version", type: "integer", default: 0 }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("accounts", "version");
  }
}
