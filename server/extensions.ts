import { withConsole } from "./console/console.extension";
import type { Services } from "./container";

/** Modules that add routes or mounts to the app register here: the web console, /openapi.json and /docs. */
export function extendServices(s: Services): Services {
  return withConsole(s);
}
