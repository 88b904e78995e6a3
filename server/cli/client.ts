/** A small REST client for the CLI: endpoint and token from flags or the environment. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly body: unknown,
  ) {
    super(`${code}: ${detail}`);
  }
}

export interface ClientOptions {
  endpoint?: string;
  token?: string;
}

export function resolveEndpoint(flag?: string, fallback?: string): string {
  return (flag || process.env.KEYFORM_ENDPOINT || fallback || "http://127.0.0.1:8080").replace(/\/+$/, "");
}

export class KeyformClient {
  readonly endpoint: string;
  private readonly token: string | undefined;

  constructor(opts: ClientOptions = {}) {
    this.endpoint = resolveEndpoint(opts.endpoint);
    this.token = opts.token ?? process.env.KEYFORM_TOKEN;
  }

  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.endpoint + path, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "CONNECTION_FAILED", `cannot reach keyform at ${this.endpoint} (${(err as Error).cause ?? (err as Error).message})`, null);
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const p = (parsed ?? {}) as { code?: string; detail?: string };
      throw new ApiError(res.status, p.code ?? `HTTP_${res.status}`, p.detail ?? text.slice(0, 300), parsed);
    }
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
