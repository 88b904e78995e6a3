/** keyform's client: a typed REST client, and Express middleware that verifies your users' API keys. */
export { KeyformClient, type KeyformClientOptions } from "./client";
export { KeyformError } from "./errors";
export { requireKey, type RequireKeyOptions, type VerifiedKey } from "./express";
export type * from "./types";
