import { EntitySchema } from "typeorm";
import { epochMs, json } from "../store/columns";
import type { ExpiresIn } from "../../core/keys/expiry";
import type { KeyType } from "../../core/keys/key";

/** A key row. The secret itself is never stored; its SHA-256 lives in `key_secrets`. */
export interface ApiKey {
  id: string;
  accountId: string;
  name: string;
  type: KeyType;
  masked: string;
  scopes: string[];
  createdAt: number;
  expiresIn: ExpiresIn | null;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  uses: number;
  maxUses: number | null;
  /** Bumped on every regeneration so a stack can tell a key was regenerated outside it. */
  generation: number;
  stack: string | null;
  stackAddress: string | null;
}

export const ApiKeyEntity = new EntitySchema<ApiKey>({
  name: "ApiKey",
  tableName: "api_keys",
  columns: {
    id: { type: "varchar", length: 32, primary: true },
    accountId: { name: "account_id", type: "varchar", length: 64 },
    name: { type: "varchar", length: 128 },
    type: { type: "varchar", length: 8 },
    masked: { type: "varchar", length: 64 },
    scopes: json<string[]>(),
    createdAt: { name: "created_at", ...epochMs() },
    expiresIn: { name: "expires_in", type: "varchar", length: 8, nullable: true },
    expiresAt: { name: "expires_at", ...epochMs(true) },
    revokedAt: { name: "revoked_at", ...epochMs(true) },
    lastUsedAt: { name: "last_used_at", ...epochMs(true) },
    uses: { type: "integer", default: 0 },
    maxUses: { name: "max_uses", type: "integer", nullable: true },
    generation: { type: "integer", default: 1 },
    stack: { type: "varchar", length: 200, nullable: true },
    stackAddress: { name: "stack_address", type: "varchar", length: 512, nullable: true },
  },
});

/** SHA-256 of a key's secret. A regeneration with a grace period keeps the old hash until `expiresAt`. */
export interface KeySecret {
  hash: string;
  keyId: string;
  createdAt: number;
  expiresAt: number | null;
}

export const KeySecretEntity = new EntitySchema<KeySecret>({
  name: "KeySecret",
  tableName: "key_secrets",
  columns: {
    hash: { type: "varchar", length: 64, primary: true },
    keyId: { name: "key_id", type: "varchar", length: 32 },
    createdAt: { name: "created_at", ...epochMs() },
    expiresAt: { name: "expires_at", ...epochMs(true) },
  },
});
