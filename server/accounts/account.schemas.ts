import { Type } from "@sinclair/typebox";
import { MAX_EXPIRY } from "../../core/keys/expiry";

const MaxExpiry = Type.Union([...MAX_EXPIRY.map((e) => Type.Literal(e)), Type.Null()], {
  description: "Longest lifetime a key of this account may have; null for no policy.",
});

export const CreateAccountBody = Type.Object(
  {
    id: Type.String({ pattern: "^[a-z0-9-]{1,64}$", description: "Account id: 1-64 of a-z 0-9 -." }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    key_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: "Active live and legacy keys allowed (default 10)." })),
    max_expiry: Type.Optional(MaxExpiry),
  },
  { additionalProperties: false },
);

export const PatchAccountBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
    key_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    max_expiry: Type.Optional(MaxExpiry),
  },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
