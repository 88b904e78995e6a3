import { Type } from "@sinclair/typebox";
import { Scopes } from "../keys/key.schemas";

export const VerifyBody = Type.Object(
  {
    key: Type.String({ maxLength: 256, description: "The secret to check." }),
    scopes: Type.Optional(Scopes),
  },
  { additionalProperties: false },
);
