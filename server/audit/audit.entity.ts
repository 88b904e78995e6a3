import { EntitySchema } from "typeorm";
import { epochMs, json } from "../store/columns";

/** One change to an account or key: who did what, when, from where. */
export interface AuditEvent {
  id?: number;
  accountId: string;
  at: number;
  /** `operator`, `key:<id>` or `stack:<name>`. */
  actor: string;
  action: string;
  target: string | null;
  source: string | null;
  details: Record<string, unknown>;
}

export const AuditEventEntity = new EntitySchema<AuditEvent>({
  name: "AuditEvent",
  tableName: "audit_events",
  columns: {
    id: { type: "integer", primary: true, generated: "increment" },
    accountId: { name: "account_id", type: "varchar", length: 64 },
    at: epochMs(),
    actor: { type: "varchar", length: 160 },
    action: { type: "varchar", length: 64 },
    target: { type: "varchar", length: 160, nullable: true },
    source: { type: "varchar", length: 64, nullable: true },
    details: json<Record<string, unknown>>(),
  },
});
