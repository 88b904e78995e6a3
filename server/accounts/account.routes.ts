import { AccountResponseSchema, AuditLogSchema } from "../../client/src/api-schemas";
import { route } from "../http/route";
import type { AccountService } from "./account.service";
import { AuditQuery, CreateAccountBody, PatchAccountBody } from "./account.schemas";

export function accountRoutes(accounts: AccountService) {
  return [
    route({
      method: "post", path: "/v1/accounts", tag: "accounts", status: 201, body: CreateAccountBody, responses: { 201: AccountResponseSchema },
      summary: "Create an account (operator only).",
      handler: (c) => accounts.create(c, c.body),
    }),
    route({
      method: "get", path: "/v1/accounts/:account", tag: "accounts", responses: { 200: AccountResponseSchema },
      summary: "An account with its limits and active key counts.",
      handler: (c) => accounts.get(c, c.params.account),
    }),
    route({
      method: "patch", path: "/v1/accounts/:account", tag: "accounts", body: PatchAccountBody, responses: { 200: AccountResponseSchema },
      summary: "Change an account's key limit or expiry policy (operator only). Lowering a limit only blocks new keys.",
      handler: (c) => accounts.patch(c, c.params.account, c.body),
    }),
    route({
      method: "get", path: "/v1/accounts/:account/audit", tag: "accounts", query: AuditQuery, responses: { 200: AuditLogSchema },
      summary: "Changes to the account and its keys, newest first: who, what, when, from where.",
      handler: (c) => accounts.auditLog(c, c.params.account, c.query),
    }),
  ];
}
