import type { Account } from "../accounts/account.entity";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import { scopesNotHeld } from "../../core/authorization";

/** Key rules shared by the REST API and the reconciler, so both refuse the same things the same way. */
export const NAME_PATTERN = "^[A-Za-z0-9_-]{1,128}$";
export const NAME_RE = new RegExp(NAME_PATTERN);
export const SCOPE_PATTERN = "^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)*$";
export const SCOPE_RE = new RegExp(SCOPE_PATTERN);
export const MAX_SCOPES = 64;

export function limitDetail(account: Account, active: number, kind: "keys" | "temp keys", limit: number): string {
  return `account ${account.id} has ${active} of ${limit} ${kind}`;
}

/** Throws KEY_LIMIT_REACHED when `adding` more keys of the kind would pass its limit. */
export function checkLimit(account: Account, counts: { keys: number; temp: number }, type: "live" | "temp" | "legacy", tempCap: number, adding = 1): void {
  if (type === "temp") {
    if (counts.temp + adding > tempCap) {
      throw new AppError(ErrorCode.KEY_LIMIT_REACHED, limitDetail(account, counts.temp, "temp keys", tempCap));
    }
  } else if (counts.keys + adding > account.keyLimit) {
    throw new AppError(ErrorCode.KEY_LIMIT_REACHED, limitDetail(account, counts.keys, "keys", account.keyLimit));
  }
}

export { scopesNotHeld };

export function normalizeScopes(scopes: readonly string[] | undefined): string[] {
  return [...new Set(scopes ?? [])].sort();
}
