import { decode, encode, ExtData } from "@msgpack/msgpack";

/**
 * Terraform values as this provider sees them. keyform's schemas only hold strings and lists of
 * strings, so a value is one of those, null, or not yet known.
 */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;
export type Value = string | string[] | number | boolean | null | Unknown;
/** An object value: every attribute of the schema present, null when unset. */
export type ObjectValue = Record<string, Value>;

/** cty type constraints in their JSON form, as the schema carries them. */
export type CtyType = "string" | "number" | "bool" | ["list", CtyType] | ["set", CtyType];

export interface DynamicValue {
  msgpack?: Buffer | Uint8Array;
  json?: Buffer | Uint8Array;
}

export const isUnknown = (v: unknown): v is Unknown => v === UNKNOWN;
export const isKnown = <T extends Value>(v: T): v is Exclude<T, Unknown> => v !== UNKNOWN;

/** A value with something known in it: not null and not unknown. */
export function isSet(v: Value): v is Exclude<Value, Unknown | null> {
  return v !== null && v !== UNKNOWN;
}

// cty writes an unknown value as msgpack extension 0 (one zero byte of data); a refined unknown
// (known not null, string prefix …) as extension 12. Any extension we read is some unknown.
const UNKNOWN_EXT = new ExtData(0, new Uint8Array([0]));

function fromWire(v: unknown): Value {
  if (v instanceof ExtData) return UNKNOWN;
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) {
    // A list with an unknown element is, for validation and planning, an unknown list.
    const items = v.map(fromWire);
    return items.some(isUnknown) ? UNKNOWN : (items as string[]);
  }
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return Number(v);
  throw new Error(`unsupported value in a keyform object: ${typeof v}`);
}

function toWire(v: Value): unknown {
  return v === UNKNOWN ? UNKNOWN_EXT : v;
}

/**
 * Decodes an object-typed DynamicValue. Returns null for a null object (a resource that is gone or
 * not created yet), UNKNOWN for a wholly unknown one, else every attribute the schema names.
 */
export function decodeObject(dv: DynamicValue | null | undefined, attributes: readonly string[]): ObjectValue | null | Unknown {
  let raw: unknown;
  if (dv?.msgpack && dv.msgpack.length > 0) raw = decode(dv.msgpack);
  else if (dv?.json && dv.json.length > 0) raw = JSON.parse(Buffer.from(dv.json).toString("utf8"));
  else return null;
  if (raw instanceof ExtData) return UNKNOWN;
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error("expected an object value");
  const out: ObjectValue = {};
  for (const name of attributes) out[name] = fromWire((raw as Record<string, unknown>)[name]);
  return out;
}

/** Encodes an object (or null: gone) as msgpack, every schema attribute present in schema order. */
export function encodeObject(value: ObjectValue | null, attributes: readonly string[]): { msgpack: Buffer } {
  if (value === null) return { msgpack: Buffer.from(encode(null)) };
  const wire: Record<string, unknown> = {};
  for (const name of attributes) wire[name] = toWire(value[name] ?? null);
  return { msgpack: Buffer.from(encode(wire)) };
}

/** Value equality for known values (lists compare element by element). */
export function sameValue(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
