import { ErrorCode } from "../../core/errors";

export { ErrorCode };

interface CodeInfo {
  status: number;
  title: string;
}

/** Exhaustive: adding a code without a status fails to compile. */
export const ERROR_CODES: Record<ErrorCode, CodeInfo> = {
  VALIDATION_FAILED: { status: 400, title: "Request validation failed" },
  UNAUTHORIZED: { status: 401, title: "Unauthorized" },
  FORBIDDEN: { status: 403, title: "Forbidden" },
  NOT_FOUND: { status: 404, title: "Not found" },
  ACCOUNT_EXISTS: { status: 409, title: "Account already exists" },
  KEY_LIMIT_REACHED: { status: 409, title: "Key limit reached" },
  NAME_TAKEN: { status: 409, title: "Name already taken" },
  KEY_INACTIVE: { status: 409, title: "Key is not active" },
  KEY_EXISTS: { status: 409, title: "Key already exists" },
  SECRET_IN_USE: { status: 409, title: "Secret already in use" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Payload too large" },
  HEADERS_TOO_LARGE: { status: 431, title: "Request header fields too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  EXPIRY_EXCEEDS_POLICY: { status: 422, title: "Expiry exceeds the account's policy" },
  LEGACY_KEYS_CANNOT_BE_CREATED: { status: 422, title: "Legacy keys cannot be created" },
  KEY_NOT_REGENERABLE: { status: 422, title: "Key cannot be regenerated" },
  PLAN_FAILED: { status: 422, title: "Plan failed" },
  PLAN_STALE: { status: 409, title: "Saved plan is stale" },
  PLAN_ALREADY_APPLIED: { status: 409, title: "Plan already applied" },
  PLAN_EXPIRED: { status: 409, title: "Plan expired" },
  STACK_LOCKED: { status: 409, title: "Error acquiring the state lock" },
  LOCK_ID_MISMATCH: { status: 409, title: "Lock id does not match" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  INTERNAL: { status: 500, title: "Internal server error" },
  STORE_UNAVAILABLE: { status: 503, title: "Store unavailable" },
};
