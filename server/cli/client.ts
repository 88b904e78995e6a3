import { quoted } from "../reconciler/render/safe-text";
import { CliError } from "./cli-error";

/** A small REST client for the CLI. The token goes only to the endpoint the user chose. */
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

export const DEFAULT_ENDPOINT = "http://127.0.0.1:8080";

/** `http(s)://host[:port][/path]` without a trailing slash; anything else is refused. */
export function normalizeEndpoint(raw: string, from: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`${from} is not a URL: ${quoted(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`${from} must be an http:// or https:// URL, not ${quoted(raw)}`);
  if (url.username || url.password) throw new CliError(`${from} must not hold credentials: keyform sends KEYFORM_TOKEN as a header`);
  if (url.search || url.hash) throw new CliError(`${from} must not hold a query or fragment: ${quoted(raw)}`);
  return (url.origin + url.pathname).replace(/\/+$/, "");
}

export interface EndpointOptions {
  /** `--endpoint` */
  flag?: string;
  /** The provider block's `endpoint` from the configuration being planned, if any. */
  configEndpoint?: string;
  /** `--use-config-endpoint`: the user trusts the configuration's endpoint. */
  useConfigEndpoint?: boolean;
}

/**
 * Where the token may go: `--endpoint`, else `KEYFORM_ENDPOINT` (empty counts as unset), else the
 * configuration's provider endpoint with `--use-config-endpoint`, else the local default. A
 * configuration is written by whoever opened the pull request: its endpoint alone never decides.
 */
export function resolveEndpoint(env: NodeJS.ProcessEnv, o: EndpointOptions = {}): { endpoint: string; ignoredConfigEndpoint?: string } {
  const chosen = o.flag ? normalizeEndpoint(o.flag, "--endpoint") : env.KEYFORM_ENDPOINT ? normalizeEndpoint(env.KEYFORM_ENDPOINT, "KEYFORM_ENDPOINT") : undefined;
  if (o.useConfigEndpoint && !chosen) {
    if (!o.configEndpoint) throw new CliError("--use-config-endpoint: the configuration's provider block sets no endpoint");
    return { endpoint: normalizeEndpoint(o.configEndpoint, "the provider block's endpoint") };
  }
  const endpoint = chosen ?? DEFAULT_ENDPOINT;
  if (o.configEndpoint === undefined) return { endpoint };
  let configured: string | undefined;
  try {
    configured = normalizeEndpoint(o.configEndpoint, "endpoint");
  } catch {
    configured = undefined;
  }
  return configured === endpoint ? { endpoint } : { endpoint, ignoredConfigEndpoint: o.configEndpoint };
}

export const NO_TOKEN = "No token: set KEYFORM_TOKEN to a keyform key (or the operator token).";

export class KeyformClient {
  constructor(
    readonly endpoint: string,
    private readonly token: string | undefined,
  ) {}

  static from(env: NodeJS.ProcessEnv, o: EndpointOptions = {}): KeyformClient {
    return new KeyformClient(resolveEndpoint(env, o).endpoint, env.KEYFORM_TOKEN || undefined);
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    if (!this.token) throw new CliError(NO_TOKEN);
    try {
      return await fetch(this.endpoint + path, {
        method,
        // A redirect could carry the token elsewhere: keyform's API never redirects.
        redirect: "error",
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "CONNECTION_FAILED", `cannot reach keyform at ${this.endpoint} (${(err as Error).cause ?? (err as Error).message})`, null);
    }
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.text();
    const parsed = text ? safeJsonParse(text) : undefined;
    if (!res.ok) {
      const p = (parsed ?? {}) as { code?: unknown; detail?: unknown };
      throw new ApiError(res.status, typeof p.code === "string" ? p.code : `HTTP_${res.status}`, typeof p.detail === "string" ? p.detail : text.slice(0, 300), parsed);
    }
    return parsed as T;
  }

  /** A text rendering (`?format=text|markdown`). */
  async text(path: string): Promise<string> {
    const res = await this.send("GET", path);
    if (!res.ok) throw new CliError(`cannot read ${path}: HTTP ${res.status}`);
    return res.text();
  }
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
