/** The slice of keyform's REST API (DESIGN.md, REST API v1) that the Terraform provider calls. */
export interface KeyView {
  id: string;
  account: string;
  name: string;
  type: "live" | "temp" | "legacy";
  masked: string;
  scopes: string[];
  status: "active" | "expired" | "revoked" | "exhausted";
  created_at: string;
  expires_in: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  uses: number;
  remaining_uses: number | null;
  managed_by_stack: string | null;
}

export interface CreateKeyBody {
  name: string;
  type?: string;
  expires_in?: string;
  expires_at?: string;
  scopes?: string[];
  /** Bring your own secret (write-only `secret_wo`). */
  secret?: string;
}

export interface RegenerateKeyBody {
  /** Seconds the old secret keeps working (at most 86400). */
  grace_period?: number;
  secret?: string;
}

export interface PatchKeyBody {
  name?: string;
  scopes?: string[];
  expires_in?: string;
  expires_at?: string;
}

/** A problem+json answer from the server. */
export class KeyformApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fieldErrors: { field?: string; message?: string }[] = [],
  ) {
    super(`${code}: ${detail}`);
  }
}

export interface KeyformClientOptions {
  endpoint: string;
  token: string;
  timeoutMs?: number;
  userAgent?: string;
  /** Aborts requests in flight when Terraform stops the provider (Ctrl-C). */
  stopSignal?: AbortSignal;
}

export class KeyformClient {
  constructor(private readonly opts: KeyformClientOptions) {}

  createKey(account: string, body: CreateKeyBody) {
    return this.call<{ key: KeyView; secret: string }>("POST", `${keysPath(account)}`, body);
  }

  regenerateKey(account: string, id: string, body: RegenerateKeyBody) {
    return this.call<{ key: KeyView; secret: string }>("POST", `${keysPath(account)}/${enc(id)}/regenerate`, body);
  }

  async getKey(account: string, id: string): Promise<KeyView | null> {
    try {
      return (await this.call<{ key: KeyView }>("GET", `${keysPath(account)}/${enc(id)}`)).key;
    } catch (err) {
      if (err instanceof KeyformApiError && err.status === 404) return null;
      throw err;
    }
  }

  async patchKey(account: string, id: string, body: PatchKeyBody): Promise<KeyView> {
    return (await this.call<{ key: KeyView }>("PATCH", `${keysPath(account)}/${enc(id)}`, body)).key;
  }

  /** Revokes the key; a key already gone is fine. */
  async revokeKey(account: string, id: string): Promise<void> {
    try {
      await this.call("DELETE", `${keysPath(account)}/${enc(id)}`);
    } catch (err) {
      if (!(err instanceof KeyformApiError && err.status === 404)) throw err;
    }
  }

  /** The account's active key with this name, if any (names are unique among active keys). */
  async findActiveKeyByName(account: string, name: string): Promise<KeyView | null> {
    let cursor: string | null = null;
    do {
      const q: string = `?status=active&limit=1000${cursor ? `&cursor=${enc(cursor)}` : ""}`;
      const page: { keys: KeyView[]; next_cursor: string | null } = await this.call("GET", `${keysPath(account)}${q}`);
      const hit = page.keys.find((k) => k.name === name);
      if (hit) return hit;
      cursor = page.next_cursor;
    } while (cursor);
    return null;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.opts.endpoint.replace(/\/+$/, "") + path;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.token}`,
      accept: "application/json, application/problem+json",
      "user-agent": this.opts.userAgent ?? "terraform-provider-keyform",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs ?? 30_000), ...(this.opts.stopSignal ? [this.opts.stopSignal] : [])]),
      });
    } catch (err) {
      throw new Error(`cannot reach keyform at ${this.opts.endpoint}: ${(err as Error).message}`);
    }
    const text = await res.text();
    const json = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const p = (json ?? {}) as { code?: string; detail?: string; title?: string; errors?: { field?: string; message?: string }[] };
      throw new KeyformApiError(res.status, p.code ?? `HTTP_${res.status}`, p.detail ?? p.title ?? (text.slice(0, 200) || res.statusText), p.errors ?? []);
    }
    return json as T;
  }
}

const enc = encodeURIComponent;
const keysPath = (account: string) => `/v1/accounts/${enc(account)}/keys`;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
