import { VerifyResultSchema } from "../../client/src/api-schemas";
import { route } from "../http/route";
import { VerifyBody } from "./verify.schemas";
import type { VerifyService } from "./verify.service";

export function verifyRoutes(verify: VerifyService) {
  return [
    route({
      method: "post", path: "/v1/verify", tag: "verify", body: VerifyBody, responses: { 200: VerifyResultSchema }, fastLane: true,
      summary: "Check a key (and optionally its scopes). Always 200 with a VerifyCode; a VALID temp-key check spends a use.",
      handler: (c) => verify.verify(c.principal, c.body, c.source),
    }),
  ];
}
