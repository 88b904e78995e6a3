import { may, type Action, type KeyGrant, type Principal } from "../../core/authorization";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { ApiKey } from "../keys/key.entity";

export type { Principal } from "../../core/authorization";

/** The principal an authenticated account key acts as. */
export function keyPrincipal(k: ApiKey): Principal {
  return { kind: "key", id: k.id, account: k.accountId, type: k.type, scopes: k.scopes, expiresAt: k.expiresAt };
}

/** What the authorization rules need of a key row. */
export function grantOf(k: Pick<ApiKey, "accountId" | "type" | "scopes" | "expiresAt">): KeyGrant {
  return { account: k.accountId, type: k.type, scopes: k.scopes, expiresAt: k.expiresAt };
}

export function actorOf(p: Principal): string {
  return p.kind === "key" ? `key:${p.id}` : p.kind;
}

/** Asks the one authorization decision and throws its refusal as the REST error. */
export function authorize(p: Principal, action: Action): void {
  const d = may(p, action);
  if (!d.ok) throw new AppError(ErrorCode[d.code], d.detail);
}
