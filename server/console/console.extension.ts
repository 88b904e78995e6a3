import { apiRoutes } from "../app";
import type { Services } from "../container";
import { mountApiReference } from "../openapi/openapi.routes";
import { mountConsole } from "./console.routes";

const extended = new WeakSet<Services>();

/**
 * Adds the web console (/console), the OpenAPI document (/openapi.json) and the API reference
 * (/docs) to the app. The document is built from `apiRoutes(s)` when `createApp` mounts it, so
 * routes that other extensions add (the reconciler's) are included whatever the order. Idempotent.
 */
export function withConsole(s: Services, opts: { assetsDir?: string } = {}): Services {
  if (extended.has(s)) return s;
  extended.add(s);
  s.extraMounts = [...(s.extraMounts ?? []), (app) => mountConsole(app, opts), (app) => mountApiReference(app, apiRoutes(s))];
  return s;
}
