/** The shapes of keyform's REST API (v1) the client sends and receives. */

export type KeyType = "live" | "temp" | "legacy";
export type KeyStatus = "active" | "expired" | "revoked" | "exhausted";

export interface KeyView {
  id: string;
  account: string;
  name: string;
  type: KeyType;
  masked: string;
  scopes: string[];
  status: KeyStatus;
  created_at: string;
  expires_in: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  uses: number;
  remaining_uses: number | null;
  managed_by_stack: string | null;
  managed_by_stack_owner: string | null;
}

export interface SecretFormats {
  shell: string;
  base64: string;
  kubernetes: string;
}

export interface KeyWithSecret {
  key: KeyView;
  secret: string;
  formats: SecretFormats;
}

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

export type VerifyCode = "VALID" | "MALFORMED" | "NOT_FOUND" | "EXPIRED" | "USAGE_EXCEEDED" | "INSUFFICIENT_SCOPES";

export interface VerifyResult {
  valid: boolean;
  code: VerifyCode;
  key_id?: string;
  account?: string;
  type?: KeyType;
  scopes?: string[];
  expires_at?: string | null;
  remaining_uses?: number | null;
}

export interface AccountView {
  id: string;
  name: string | null;
  key_limit: number;
  max_expiry: string | null;
  temp_key_cap: number;
  active_keys: number;
  active_temp_keys: number;
  created_at: string;
}
