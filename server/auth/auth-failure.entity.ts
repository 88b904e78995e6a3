import { EntitySchema } from "typeorm";
import { epochMs } from "../store/columns";

/** Failed authentications per client address in the current window; shared by every replica. */
export interface AuthFailure {
  address: string;
  windowStart: number;
  failures: number;
}

export const AuthFailureEntity = new EntitySchema<AuthFailure>({
  name: "AuthFailure",
  tableName: "auth_failures",
  columns: {
    address: { type: "varchar", length: 64, primary: true },
    windowStart: { name: "window_start", ...epochMs() },
    failures: { type: "integer" },
  },
});
