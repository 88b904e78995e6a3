/// <reference lib="dom" />
/**
 * The signed-in credential lives in sessionStorage only: it dies with the tab, is never written to
 * localStorage or a cookie, and is sent only as an Authorization header to this origin.
 */
const TOKEN = "keyform.token";
const ACCOUNT = "keyform.account";
const RECENT = "keyform.recentAccounts";

export interface Session {
  token: string;
  account: string;
  /** Heuristic for labels only: the server decides what a token may do. */
  kind: "operator" | "account key";
}

const KEY_LIKE = /^([a-z][a-z0-9]{0,15}_(live|temp)_[0-9A-Za-z]{36}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function tokenKind(token: string): Session["kind"] {
  return KEY_LIKE.test(token) ? "account key" : "operator";
}

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN);
  const account = sessionStorage.getItem(ACCOUNT);
  return token && account ? { token, account, kind: tokenKind(token) } : null;
}

export function saveSession(token: string, account: string): void {
  sessionStorage.setItem(TOKEN, token);
  switchAccount(account);
}

export function switchAccount(account: string): void {
  sessionStorage.setItem(ACCOUNT, account);
  const recent = [account, ...recentAccounts().filter((a) => a !== account)].slice(0, 10);
  sessionStorage.setItem(RECENT, JSON.stringify(recent));
}

export function recentAccounts(): string[] {
  try {
    const list = JSON.parse(sessionStorage.getItem(RECENT) ?? "[]");
    return Array.isArray(list) ? list.filter((a): a is string => typeof a === "string") : [];
  } catch {
    return [];
  }
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(ACCOUNT);
  sessionStorage.removeItem(RECENT);
}
