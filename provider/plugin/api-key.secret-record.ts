import { rotationDueAt } from "../../core/keys/rotation";
import type { ObjectValue, Value } from "./cty";

/**
 * What the provider remembers about a key's current secret in Terraform's private resource data (never
 * the secret): when it was issued, which `rotate_every` counts from, and its masked form at that time,
 * which tells a later plan that the key was regenerated outside Terraform even when `secret` is null
 * (`secret_wo`, imports).
 */
export interface SecretRecord {
  issued_at: string;
  masked: string;
}

export function readSecretRecord(raw: Buffer | Uint8Array | undefined | null): SecretRecord | null {
  if (!raw || raw.length === 0) return null;
  try {
    const v = JSON.parse(Buffer.from(raw).toString("utf8")) as Partial<SecretRecord>;
    return typeof v.issued_at === "string" && typeof v.masked === "string" ? { issued_at: v.issued_at, masked: v.masked } : null;
  } catch {
    return null;
  }
}

export const writeSecretRecord = (r: SecretRecord): Buffer => Buffer.from(JSON.stringify(r), "utf8");

/** When the current secret was issued: the record's time, else the key's creation (keys from before records). */
export function secretIssuedAt(state: ObjectValue, record: SecretRecord | null): number {
  return Date.parse(record?.issued_at ?? (typeof state.created_at === "string" ? state.created_at : ""));
}

/** `rotation_due_at` for a secret issued at `issuedAt` under the configured `rotate_every`. */
export function rotationDueValue(issuedAt: number, rotateEvery: Value): string | null {
  const due = rotationDueAt(issuedAt, typeof rotateEvery === "string" ? rotateEvery : null);
  return due === null ? null : new Date(due).toISOString();
}
