import { quoted } from "../reconciler/render/safe-text";
import { CliError } from "./cli-error";

import { KeyformClient } from "../../client/src";

export { KeyformClient, KeyformError } from "../../client/src";

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

/**
 * The CLI's client: keyform's one REST client, sending KEYFORM_TOKEN only to the endpoint the user chose
 * (`resolveEndpoint`). Without a token, the CLI says which variable to set.
 */
export function connect(endpoint: string, token: string | undefined): KeyformClient {
  if (!token) throw new CliError(NO_TOKEN);
  return new KeyformClient({ endpoint, token, timeoutMs: 120_000, userAgent: "keyform-cli" });
}

export function clientFrom(env: NodeJS.ProcessEnv, o: EndpointOptions = {}): KeyformClient {
  return connect(resolveEndpoint(env, o).endpoint, env.KEYFORM_TOKEN || undefined);
}
