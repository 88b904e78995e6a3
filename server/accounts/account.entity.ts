import { EntitySchema } from "typeorm";
import { epochMs } from "../store/columns";

export interface Account {
  id: string;
  name: string | null;
  keyLimit: number;
  maxExpiry: string | null;
  createdAt: number;
  updatedAt: number;
}

/** `version` is storage only: a write counter that makes competing key changes conflict (AccountRepository). */
export const AccountEntity = new EntitySchema<Account & { version: number }>({
  name: "Account",
  tableName: "accounts",
  columns: {
    id: { type: "varchar", length: 64, primary: true },
    name: { type: "varchar", length: 255, nullable: true },
    keyLimit: { name: "key_limit", type: "integer", default: 10 },
    maxExpiry: { name: "max_expiry", type: "varchar", length: 8, nullable: true },
    createdAt: { name: "created_at", ...epochMs() },
    updatedAt: { name: "updated_at", ...epochMs() },
    version: { type: "integer", default: 0 },
  },
});
