import { EntitySchema } from "typeorm";
import { epochMs } from "../store/columns";

/** Uses of a key aggregated per minute, operation and source address. */
export interface UsageBucket {
  keyId: string;
  bucket: number;
  operation: string;
  source: string;
  count: number;
}

export const UsageBucketEntity = new EntitySchema<UsageBucket>({
  name: "UsageBucket",
  tableName: "key_usage",
  columns: {
    keyId: { name: "key_id", type: "varchar", length: 32, primary: true },
    bucket: { ...epochMs(), primary: true },
    operation: { type: "varchar", length: 16, primary: true },
    source: { type: "varchar", length: 64, primary: true },
    count: { type: "integer" },
  },
});
