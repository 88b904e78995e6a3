/**
 * What a key's secret looks like — `<brand>_<type>_<30 random base62><6-char checksum>`, or a legacy UUID —
 * for the server (generation, verification, bring-your-own-secret) and the Terraform provider
 * (`ephemeral "keyform_secret"`). Hashing and storage are not here.
 */
import type { SecretType } from "./key";

export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const RANDOM_LENGTH = 30;
export const CHECKSUM_LENGTH = 6;
export const BRAND_PATTERN = "^[a-z][a-z0-9]{0,15}$";
const BRAND_RE = new RegExp(BRAND_PATTERN);
const KEY_RE = /^([a-z][a-z0-9]{0,15})_(live|temp)_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isValidBrand = (brand: string): boolean => BRAND_RE.test(brand);
export const isLegacySecret = (secret: string): boolean => UUID_RE.test(secret);

/** Uniform base62 from the platform's CSPRNG (Web Crypto), by rejection sampling: no modulo bias. */
export function randomBase62(length: number): string {
  let out = "";
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    globalThis.crypto.getRandomValues(bytes);
    for (const byte of bytes) {
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

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib) of an ASCII string. */
export function crc32(ascii: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < ascii.length; i++) c = CRC_TABLE[(c ^ ascii.charCodeAt(i)) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The checksum of `<brand>_<type>_<random>`: its CRC-32 in base62, left-padded to 6. */
export function checksum(body: string): string {
  return toBase62(crc32(body), CHECKSUM_LENGTH);
}

export function generateSecret(brand: string, type: SecretType): string {
  const body = `${brand}_${type}_${randomBase62(RANDOM_LENGTH)}`;
  return body + checksum(body);
}

export function generateKeyId(): string {
  return `key_${randomBase62(24)}`;
}

export type ParsedSecret = { kind: "branded"; brand: string; type: SecretType } | { kind: "legacy" };

/** Shape and checksum of a presented secret, without a database: null for anything that cannot be a key of this brand. */
export function parseSecret(secret: unknown, brand: string): ParsedSecret | null {
  if (typeof secret !== "string" || secret.length > 128) return null;
  if (UUID_RE.test(secret)) return { kind: "legacy" };
  const m = KEY_RE.exec(secret);
  if (!m || m[1] !== brand) return null;
  if (checksum(`${m[1]}_${m[2]}_${m[3]}`) !== m[4]) return null;
  return { kind: "branded", brand: m[1], type: m[2] as SecretType };
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
