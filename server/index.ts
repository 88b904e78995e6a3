/**
 * keyform as a library: build the server into your own process (the CLI's `keyform serve` is the
 * usual way to run it). `createApp` returns a request listener and never listens.
 */
export { createApp, type App } from "./app";
export { buildServices, type Services } from "./container";
export { extendServices } from "./extensions";
export { DEFAULT_SETTINGS, settingsFromEnv, type Settings } from "./config";
export { Store, type StoreOptions } from "./store/store";
export { createLogger } from "./logging/logger";
export { main as cli } from "./cli/main";
