/// <reference lib="dom" />
// The REST client's shapes and its one error class: browser-safe (no Node imports), bundled by esbuild.
import { KeyformError } from "../../../client/src/errors";
import type { AccountView, KeyView, KeyWithSecret } from "../../../client/src/types";
import { currentSession } from "./session";

export { KeyformError };
export type { AccountView, KeyView };

/** Fired on window when the server refuses the signed-in token. */
export const SESSION_REJECTED = "keyform:session-rejected";

export interface UsageRow {
  minute: string;
  operation: string;
  source: string;
  count: number;
}

/** The response that carries a secret: handled by the one-time secret panel, never stored. */
export type SecretResponse = KeyWithSecret;

/**
 * Every failure of a call is a `KeyformError` (as with @keyform/client): a problem+json answer (its
 * status, code, detail and field errors), or the server not answering (status 0, code NETWORK).
 */
export function failure(code: string, detail: string): KeyformError {
  return new KeyformError(0, code, detail);
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Calls the keyform API with the session's token. `token` overrides it (sign-in). */
export async function request<T>(method: string, path: string, opts: { body?: unknown; query?: Query; token?: string; accept?: string } = {}): Promise<T> {
  const token = opts.token ?? currentSession()?.token;
  const headers: Record<string, string> = { accept: opts.accept ?? "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw failure("NETWORK", "The keyform server could not be reached.");
  }
  const type = res.headers.get("content-type") ?? "";
  if (!res.ok) {
    // The session's token stopped working (revoked, expired): the shell sends the user to sign-in.
    if (res.status === 401 && !opts.token) window.dispatchEvent(new CustomEvent(SESSION_REJECTED));
    if (type.includes("json")) {
      const p = (await res.json().catch(() => ({}))) as { code?: string; detail?: string; title?: string; errors?: KeyformError["fieldErrors"] };
      throw new KeyformError(res.status, p.code ?? `HTTP_${res.status}`, p.detail ?? p.title ?? res.statusText, p, p.errors ?? []);
    }
    throw new KeyformError(res.status, `HTTP_${res.status}`, res.statusText || `HTTP ${res.status}`);
  }
  if (res.status === 204) return undefined as T;
  return (type.includes("json") ? await res.json() : await res.text()) as T;
}

const enc = encodeURIComponent;
const keysPath = (account: string) => `/v1/accounts/${enc(account)}/keys`;

export const api = {
  account: (account: string, token?: string) => request<{ account: AccountView }>("GET", `/v1/accounts/${enc(account)}`, { token }),
  listKeys: (account: string, query: { status?: string; type?: string; cursor?: string; limit?: number }) =>
    request<{ keys: KeyView[]; next_cursor: string | null }>("GET", keysPath(account), { query }),
  getKey: (account: string, id: string) => request<{ key: KeyView; usage: UsageRow[] }>("GET", `${keysPath(account)}/${enc(id)}`),
  createKey: (account: string, body: { name: string; type: "live" | "temp"; expires_in?: string; scopes?: string[] }) =>
    request<SecretResponse>("POST", keysPath(account), { body }),
  regenerateKey: (account: string, id: string, gracePeriod: string | null) =>
    request<SecretResponse>("POST", `${keysPath(account)}/${enc(id)}/regenerate`, { body: gracePeriod ? { grace_period: gracePeriod } : {} }),
  revokeKey: (account: string, id: string) => request<void>("DELETE", `${keysPath(account)}/${enc(id)}`),
  stacks: () => request<unknown>("GET", "/v1/stacks"),
  // `owner`: another owner's stack (an account's), for the operator; stacks live in their owner's namespace.
  stack: (stack: string, owner?: string) => request<unknown>("GET", `/v1/stacks/${enc(stack)}`, { query: owner ? { owner } : {} }),
  stackState: (stack: string, owner?: string) => request<unknown>("GET", `/v1/stacks/${enc(stack)}/state`, { query: owner ? { owner } : {} }),
  plan: (id: string) => request<unknown>("GET", `/v1/plans/${enc(id)}`),
  planText: (id: string) => request<string>("GET", `/v1/plans/${enc(id)}`, { query: { format: "text" }, accept: "text/plain, application/json" }),
};
