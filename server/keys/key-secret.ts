import { createHash, hash as cryptoHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

/** Secrets, ids and their checksums: everything about what a key looks like, nothing about storage. */
export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export type SecretType = "live" | "temp";
export type KeyType = SecretType | "legacy";

const RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
const BRAND_RE = /^[a-z][a-z0-9]{0,15}$/;
const KEY_RE = /^([a-z][a-z0-9]{0,15})_(live|temp)_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isValidBrand(brand: string): boolean {
  return BRAND_RE.test(brand);
}

/** Uniform base62 string from the CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function toBase62(n: number, width: number): string {
  let s = "";
  do {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  return s.padStart(width, "0");
}

/** CRC-32 (IEEE, as zlib) of `<brand>_<type>_<random>`, base62, left-padded to 6. */
export function checksum(body: string): string {
  return toBase62(crc32(Buffer.from(body, "ascii")), CHECKSUM_LENGTH);
}

export function generateSecret(brand: string, type: SecretType): string {
  const body = `${brand}_${type}_${randomBase62(RANDOM_LENGTH)}`;
  return body + checksum(body);
}

export function generateKeyId(): string {
  return `key_${randomBase62(24)}`;
}

export type ParsedSecret = { kind: "branded"; brand: string; type: SecretType } | { kind: "legacy" };

/**
 * Checks the shape and checksum of a presented secret without touching the database.
 * Returns null for anything that cannot be a key of this server.
 */
export function parseSecret(secret: unknown, brand: string): ParsedSecret | null {
  if (typeof secret !== "string" || secret.length > 128) return null;
  if (UUID_RE.test(secret)) return { kind: "legacy" };
  const m = KEY_RE.exec(secret);
  if (!m || m[1] !== brand) return null;
  const body = `${m[1]}_${m[2]}_${m[3]}`;
  if (checksum(body) !== m[4]) return null;
  return { kind: "branded", brand: m[1], type: m[2] as SecretType };
}

export function isLegacySecret(secret: string): boolean {
  return UUID_RE.test(secret);
}

/** Legacy keys are hashed in their canonical lower-case form so `DC74…` and `dc74…` are one key. */
export function hashSecret(secret: string): string {
  const canonical = UUID_RE.test(secret) ? secret.toLowerCase() : secret;
  return sha256Hex(canonical);
}

/** One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12: no Hash object per call on the verify hot path). */
const oneShot = (cryptoHash as unknown as ((alg: string, data: string, enc: "hex") => string) | undefined) ?? null;
function sha256Hex(s: string): string {
  return oneShot ? oneShot("sha256", s, "hex") : createHash("sha256").update(s, "utf8").digest("hex");
}

/** `kf_live_Tg2c…KiON`; legacy `dc74…759b`. */
export function maskSecret(secret: string): string {
  if (UUID_RE.test(secret)) {
    const s = secret.toLowerCase();
    return `${s.slice(0, 4)}…${s.slice(-4)}`;
  }
  const m = /^([a-z0-9]+_(?:live|temp)_)(.+)$/.exec(secret);
  if (!m) return "…";
  return `${m[1]}${m[2].slice(0, 4)}…${m[2].slice(-4)}`;
}

/** Fewest distinct characters a supplied random part may have: 30 CSPRNG draws fall below it with p ≈ 7e-12. */
const MIN_DISTINCT_RANDOM = 12;

/**
 * Why a caller-supplied secret ("bring your own secret") cannot be the secret of a `type` key on a server
 * of `brand`, or null when it can. The answer never contains the secret.
 */
export function suppliedSecretProblem(secret: string, brand: string, type: SecretType): string | null {
  if (isLegacySecret(secret)) return "must be a keyform secret; a legacy UUID key is imported (POST …/keys/import), never supplied";
  const parsed = parseSecret(secret, brand);
  if (parsed === null || parsed.kind !== "branded") {
    return `must be a keyform secret: ${brand}_${type}_ then 30 random and 6 checksum characters (base62), with a valid CRC-32 checksum`;
  }
  if (parsed.type !== type) return `is a ${parsed.type} secret; a ${type} key needs a ${brand}_${type}_ secret`;
  const random = secret.slice(`${brand}_${type}_`.length, -CHECKSUM_LENGTH);
  if (new Set(random).size < MIN_DISTINCT_RANDOM) return "has too little variety in its random part to have come from a random generator";
  return null;
}
