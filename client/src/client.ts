import { causeOf, KeyformError } from "./errors";
import type {
  AccountView, CreateKeyBody, ImportKeyBody, KeyList, KeyView, KeyWithSecret, ListKeysQuery, PatchKeyBody, RegenerateKeyBody, RevokeAllResult, VerifyResult,
} from "./types";

export interface KeyformClientOptions {
  /** Base URL of the keyform server, e.g. `https://keyform.internal`. */
  endpoint: string;
  /** An account key (or the operator token); sent as `Authorization: Bearer …` to `endpoint` only. */
  token: string;
  /** Give up on a call after this long (default 10 s): `TIMEOUT`. */
  timeoutMs?: number;
  userAgent?: string;
  /** Aborts calls in flight (e.g. when the caller shuts down). */
  signal?: AbortSignal;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

const enc = encodeURIComponent;
const keysPath = (account: string) => `/v1/accounts/${enc(account)}/keys`;

/**
 * A typed client for keyform's REST API (v1). Node's fetch keeps connections alive between calls;
 * redirects are refused, so the token never follows one elsewhere. Every failure is a `KeyformError`.
 */
export class KeyformClient {
  readonly endpoint: string;

  constructor(private readonly opts: KeyformClientOptions) {
    const url = new URL(opts.endpoint);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`keyform endpoint must be an http(s) URL, not ${url.protocol}`);
    this.endpoint = (url.origin + url.pathname).replace(/\/+$/, "");
  }

  /** One call: the parsed JSON answer, or a `KeyformError`. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body, "application/json, application/problem+json");
    const text = await res.text();
    const json = text ? parseJson(text) : undefined;
    if (!res.ok) throw problem(res, text, json);
    return json as T;
  }

  /** A text answer (a plan rendered as `?format=text|markdown`). */
  async text(path: string): Promise<string> {
    const res = await this.send("GET", path, undefined, "text/plain, text/markdown, application/problem+json");
    const text = await res.text();
    if (!res.ok) throw problem(res, text, parseJson(text));
    return text;
  }

  private async send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const signals = [AbortSignal.timeout(this.opts.timeoutMs ?? 10_000), ...(this.opts.signal ? [this.opts.signal] : [])];
    try {
      return await (this.opts.fetch ?? fetch)(this.endpoint + path, {
        method,
        redirect: "error",
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          accept,
          ...(this.opts.userAgent ? { "user-agent": this.opts.userAgent } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      if ((err as Error)?.name === "TimeoutError") throw new KeyformError(0, "TIMEOUT", `keyform at ${this.endpoint} did not answer within ${this.opts.timeoutMs ?? 10_000} ms`);
      throw new KeyformError(0, "CONNECTION_FAILED", `cannot reach keyform at ${this.endpoint} (${causeOf(err)})`);
    }
  }

  /** Verifies a key (needs `keys:verify`): always an answer with a code, VALID or why not. */
  verify(key: string, scopes?: string[]): Promise<VerifyResult> {
    return this.request<VerifyResult>("POST", "/v1/verify", scopes ? { key, scopes } : { key });
  }

  async account(id: string): Promise<AccountView> {
    return (await this.request<{ account: AccountView }>("GET", `/v1/accounts/${enc(id)}`)).account;
  }

  createKey(account: string, body: CreateKeyBody): Promise<KeyWithSecret> {
    return this.request<KeyWithSecret>("POST", keysPath(account), body);
  }

  async importKey(account: string, body: ImportKeyBody): Promise<KeyView> {
    return (await this.request<{ key: KeyView }>("POST", `${keysPath(account)}/import`, body)).key;
  }

  listKeys(account: string, q: ListKeysQuery = {}): Promise<KeyList> {
    const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
    return this.request("GET", `${keysPath(account)}${qs ? `?${qs}` : ""}`);
  }

  /** A key, or null when there is none with this id in the account (or it is another account's). */
  async getKey(account: string, id: string): Promise<KeyView | null> {
    try {
      return (await this.request<{ key: KeyView }>("GET", `${keysPath(account)}/${enc(id)}`)).key;
    } catch (err) {
      if (err instanceof KeyformError && err.status === 404) return null;
      throw err;
    }
  }

  /** The account's active key with this name, if any (names are unique among active keys). */
  async findActiveKeyByName(account: string, name: string): Promise<KeyView | null> {
    let cursor: string | null = null;
    do {
      const page: KeyList = await this.listKeys(account, { status: "active", limit: 1000, ...(cursor ? { cursor } : {}) });
      const hit = page.keys.find((k) => k.name === name);
      if (hit) return hit;
      cursor = page.next_cursor;
    } while (cursor);
    return null;
  }

  async patchKey(account: string, id: string, body: PatchKeyBody): Promise<KeyView> {
    return (await this.request<{ key: KeyView }>("PATCH", `${keysPath(account)}/${enc(id)}`, body)).key;
  }

  regenerateKey(account: string, id: string, body: RegenerateKeyBody = {}): Promise<KeyWithSecret> {
    return this.request<KeyWithSecret>("POST", `${keysPath(account)}/${enc(id)}/regenerate`, body);
  }

  /** Revokes a key; one already gone is fine. */
  async revokeKey(account: string, id: string): Promise<void> {
    try {
      await this.request("DELETE", `${keysPath(account)}/${enc(id)}`);
    } catch (err) {
      if (!(err instanceof KeyformError && err.status === 404)) throw err;
    }
  }

  /** Incident response: revokes every key of the account this token may revoke. */
  revokeAll(account: string): Promise<RevokeAllResult> {
    return this.request("POST", `${keysPath(account)}/revoke-all`, {});
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function problem(res: Response, text: string, json: unknown): KeyformError {
  const p = (json ?? {}) as { code?: unknown; detail?: unknown; title?: unknown; errors?: unknown };
  const code = typeof p.code === "string" ? p.code : `HTTP_${res.status}`;
  const detail = typeof p.detail === "string" ? p.detail : typeof p.title === "string" ? p.title : text.slice(0, 300) || res.statusText;
  const fieldErrors = Array.isArray(p.errors) ? (p.errors as Array<{ field: string; message: string }>) : [];
  return new KeyformError(res.status, code, detail, json ?? null, fieldErrors);
}
