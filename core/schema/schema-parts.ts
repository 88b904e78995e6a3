/**
 * Building blocks of the keyform schemas (`api-key.schema.ts`, `ephemeral.schema.ts`): the patterns and
 * rules of the values keyform accepts, written once, and the defaults each attribute starts from.
 */
import { MAX_SCOPES, SCOPE_PATTERN } from "../keys/scopes";
import { NAME_PATTERN } from "../keys/names";

/** Account ids, as the REST API accepts them (`POST /v1/accounts`). */
export const ACCOUNT_PATTERN = "^[a-z0-9-]{1,64}$";
/** Key ids: `key_` + 24 base62 characters. */
export const KEY_ID_PATTERN = "^key_[0-9A-Za-z]{24}$";
/** What `parseDuration` (server/keys/expiry.ts) accepts; `rotate_every` must also be more than zero. */
export const DURATION_PATTERN = "^[0-9]{1,6}(s|m|h|d|y)$";
export const KEY_TYPES = ["live", "temp"] as const;
export const MAX_SCOPE_LENGTH = 128;

export const NAME_RULE = { kind: "pattern", pattern: NAME_PATTERN, description: "1-128 characters of A-Z a-z 0-9 - _" } as const;
export const ACCOUNT_RULE = { kind: "pattern", pattern: ACCOUNT_PATTERN, description: "1-64 characters of a-z 0-9 -" } as const;
export const KEY_ID_RULE = { kind: "pattern", pattern: KEY_ID_PATTERN, description: "key_ followed by 24 base62 characters" } as const;
export const SCOPES_RULES = [
  { kind: "pattern", pattern: SCOPE_PATTERN, description: "scopes such as keys:read or alerts:send" },
  { kind: "max_length", max: MAX_SCOPE_LENGTH },
  { kind: "max_items", max: MAX_SCOPES },
] as const;

/** Shared defaults, so each attribute states only what sets it apart. */
export const argument = { required: false, optional: true, computed: false, sensitive: false, forcesReplacement: false } as const;
export const computed = { required: false, optional: false, computed: true, sensitive: false, forcesReplacement: false, validations: [] } as const;
