import { Type } from "@sinclair/typebox";
import { EXPIRES_IN } from "./expiry";
import { MAX_SCOPES, NAME_PATTERN, SCOPE_PATTERN } from "./key.policy";

export const KeyName = Type.String({ pattern: NAME_PATTERN, description: "1-128 of A-Z a-z 0-9 - _, unique among the account's active keys." });
export const Scopes = Type.Array(Type.String({ pattern: SCOPE_PATTERN, maxLength: 128 }), {
  maxItems: MAX_SCOPES,
  description: "Scopes such as alerts:send, keys:read, keys:manage, keys:verify.",
});
export const ExpiresIn = Type.Union(EXPIRES_IN.map((e) => Type.Literal(e)), { description: "Lifetime; 1y = 365 days." });
export const ExpiresAt = Type.String({ format: "date-time", description: "RFC 3339 time in the future." });

export const CreateKeyBody = Type.Object(
  {
    name: KeyName,
    type: Type.Optional(Type.Union([Type.Literal("live"), Type.Literal("temp"), Type.Literal("legacy")], { description: "live (default) or temp; legacy keys can only be imported." })),
    expires_in: Type.Optional(ExpiresIn),
    expires_at: Type.Optional(ExpiresAt),
    scopes: Type.Optional(Scopes),
  },
  { additionalProperties: false },
);

export const ImportKeyBody = Type.Object(
  {
    name: KeyName,
    secret: Type.String({ maxLength: 64, description: "The legacy UUID key." }),
    scopes: Type.Optional(Scopes),
    expires_in: Type.Optional(ExpiresIn),
    expires_at: Type.Optional(ExpiresAt),
  },
  { additionalProperties: false },
);

export const PatchKeyBody = Type.Object(
  {
    name: Type.Optional(KeyName),
    scopes: Type.Optional(Scopes),
    expires_at: Type.Optional(ExpiresAt),
    expires_in: Type.Optional(ExpiresIn),
  },
  { additionalProperties: false },
);

export const RegenerateKeyBody = Type.Object(
  {
    grace_period: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 86400 }), Type.String({ pattern: "^\\d{1,6}[smh]$" })], {
        description: "How long the old secret keeps working: seconds, or 30s / 15m / 24h; at most 24h.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ListKeysQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(["active", "expired", "revoked", "exhausted"].map((s) => Type.Literal(s)))),
    type: Type.Optional(Type.Union(["live", "temp", "legacy"].map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const KeyIdParam = Type.String({ pattern: "^key_[0-9A-Za-z]{24}$" });
