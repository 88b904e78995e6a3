import { createHash, hash as cryptoHash } from "node:crypto";
import { isLegacySecret } from "../../core/keys/secret-format";

/** One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12: no Hash object per call on the verify hot path). */
const oneShot = (cryptoHash as unknown as ((alg: string, data: string, enc: "hex") => string) | undefined) ?? null;

/**
 * What is stored of a secret: its SHA-256 (high-entropy keys need no slow hash). Legacy keys are hashed
 * in their canonical lower-case form, so `DC74…` and `dc74…` are one key.
 */
export function hashSecret(secret: string): string {
  const canonical = isLegacySecret(secret) ? secret.toLowerCase() : secret;
  return oneShot ? oneShot("sha256", canonical, "hex") : createHash("sha256").update(canonical, "utf8").digest("hex");
}
