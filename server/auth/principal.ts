import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { ApiKey } from "../keys/key.entity";

/** Who is calling: the operator, or one account's key acting within its scopes. */
export type Principal = { kind: "operator" } | { kind: "key"; key: ApiKey };

export type ApiScope = "keys:read" | "keys:manage" | "keys:verify";

export function actorOf(p: Principal): string {
  return p.kind === "operator" ? "operator" : `key:${p.key.id}`;
}

/** `keys:manage` implies `keys:read`. */
export function holdsScope(scopes: readonly string[], scope: string): boolean {
  return scopes.includes(scope) || (scope === "keys:read" && scopes.includes("keys:manage"));
}

/**
 * Authorizes an action on an account. Another account's objects are 404 (never revealed),
 * a missing scope is 403.
 */
export function authorize(p: Principal, accountId: string, scope: ApiScope): void {
  if (p.kind === "operator") return;
  if (p.key.accountId !== accountId) throw new AppError(ErrorCode.NOT_FOUND, `Account ${accountId} not found`);
  if (!holdsScope(p.key.scopes, scope)) {
    throw new AppError(ErrorCode.FORBIDDEN, `This key lacks the ${scope} scope.`);
  }
}

export function requireOperator(p: Principal, what: string): void {
  if (p.kind !== "operator") throw new AppError(ErrorCode.FORBIDDEN, `Only the operator token may ${what}.`);
}
