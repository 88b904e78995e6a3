/**
 * The shapes of keyform's REST API (v1) the client sends and receives. Answers are the types of the
 * schemas the server declares on its routes (api-schemas.ts, documented in /openapi.json); request
 * bodies are written out here (the server's request schemas use core's rules, which this package does
 * not import).
 */
import type { Static } from "@sinclair/typebox";
import type {
  AccountViewSchema, ApplyResultSchema, AuditLogSchema, KeyListSchema, KeyStatusSchema, KeyTypeSchema, KeyViewSchema, KeyWithSecretSchema,
  KeyWithUsageSchema, PlanViewSchema, ProblemSchema, RevokeAllResultSchema, SecretFormatsSchema, StackDetailSchema, StackListSchema,
  VerifyCodeSchema, VerifyResultSchema,
} from "./api-schemas";

export type KeyType = Static<typeof KeyTypeSchema>;
export type KeyStatus = Static<typeof KeyStatusSchema>;
export type KeyView = Static<typeof KeyViewSchema>;
export type SecretFormats = Static<typeof SecretFormatsSchema>;
export type KeyWithSecret = Static<typeof KeyWithSecretSchema>;
export type KeyList = Static<typeof KeyListSchema>;
export type KeyWithUsage = Static<typeof KeyWithUsageSchema>;
export type RevokeAllResult = Static<typeof RevokeAllResultSchema>;
export type VerifyCode = Static<typeof VerifyCodeSchema>;
export type VerifyResult = Static<typeof VerifyResultSchema>;
export type AccountView = Static<typeof AccountViewSchema>;
export type AuditLog = Static<typeof AuditLogSchema>;
export type PlanView = Static<typeof PlanViewSchema>;
export type ApplyResult = Static<typeof ApplyResultSchema>;
export type StackList = Static<typeof StackListSchema>;
export type StackDetail = Static<typeof StackDetailSchema>;
/** An error answer (application/problem+json). */
export type Problem = Static<typeof ProblemSchema>;

export interface CreateKeyBody {
  name: string;
  type?: "live" | "temp";
  expires_in?: string;
  expires_at?: string;
  scopes?: string[];
  /** Bring your own secret: a keyform secret of this server's brand and the key's type. */
  secret?: string;
}

export interface ImportKeyBody {
  name: string;
  secret: string;
  scopes?: string[];
  expires_in?: string;
  expires_at?: string;
}

export interface PatchKeyBody {
  name?: string;
  scopes?: string[];
  expires_in?: string;
  expires_at?: string;
}

export interface RegenerateKeyBody {
  /** Seconds (or `15m`, `24h`) the old secret keeps working; at most 24 hours. */
  grace_period?: number | string;
  secret?: string;
}

export interface ListKeysQuery {
  status?: KeyStatus;
  type?: KeyType;
  limit?: number;
  cursor?: string;
}
