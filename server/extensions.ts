import type { Services } from "./container";

/** Modules that add routes or mounts to the app (reconciler, console) register here. */
export function extendServices(s: Services): Services {
  return s;
}
