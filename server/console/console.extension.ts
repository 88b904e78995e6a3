import { apiRoutes } from "../app";
import type { Services } from "../container";
import { mountApiReference } from "../openapi/openapi.routes";
import { mountConsole } from "./console.routes";

/**
 * Adds the web console (/console), the OpenAPI document (/openapi.json) and the API reference
 * (/docs) to the app. Register it last among extensions: the OpenAPI document is built from
 * `apiRoutes(s)` when the app is created, so routes other extensions add are included.
 */
export function withConsole(s: Services, opts: { assetsDir?: string } = {}): Services {
  s.extraMounts = [...(s.extraMounts ?? []), (app) => mountConsole(app, opts), (app) => mountApiReference(app, apiRoutes(s))];
  return s;
}
