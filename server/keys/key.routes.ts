import { Type } from "@sinclair/typebox";
import { KeyListSchema, KeyResponseSchema, KeyWithSecretSchema, KeyWithUsageSchema, RevokeAllResultSchema } from "../../client/src/api-schemas";
import { route } from "../http/route";
import { CreateKeyBody, ImportKeyBody, ListKeysQuery, PatchKeyBody, RegenerateKeyBody } from "./key.schemas";
import type { KeyService } from "./key.service";

const base = "/v1/accounts/:account/keys";

export function keyRoutes(keys: KeyService) {
  return [
    route({
      method: "post", path: base, tag: "keys", status: 201, body: CreateKeyBody, responses: { 201: KeyWithSecretSchema },
      summary: "Create a key. The response holds its secret: the only time it is ever shown. A caller-supplied `secret` (bring your own) is checked and stored as its hash only.",
      handler: (c) => keys.create(c, c.params.account, c.body),
    }),
    route({
      method: "post", path: `${base}/import`, tag: "keys", status: 201, body: ImportKeyBody, responses: { 201: KeyResponseSchema },
      summary: "Import a legacy UUID key so it can be verified and managed.",
      handler: (c) => keys.importLegacy(c, c.params.account, c.body),
    }),
    route({
      method: "post", path: `${base}/revoke-all`, tag: "keys", body: Type.Object({}, { additionalProperties: false }), responses: { 200: RevokeAllResultSchema },
      summary: "Revoke every key of the account at once (incident response).",
      handler: (c) => keys.revokeAll(c, c.params.account),
    }),
    route({
      method: "get", path: base, tag: "keys", query: ListKeysQuery, responses: { 200: KeyListSchema },
      summary: "List keys, masked, oldest first, filtered by status and type; paginate with next_cursor.",
      handler: (c) => keys.list(c, c.params.account, c.query as Parameters<KeyService["list"]>[2]),
    }),
    route({
      method: "get", path: `${base}/:id`, tag: "keys", responses: { 200: KeyWithUsageSchema },
      summary: "A key with its usage log (per minute, operation and source address, 30 days).",
      handler: (c) => keys.get(c, c.params.account, c.params.id),
    }),
    route({
      method: "patch", path: `${base}/:id`, tag: "keys", body: PatchKeyBody, responses: { 200: KeyResponseSchema },
      summary: "Rename a key, change its scopes or its expiry.",
      handler: (c) => keys.patch(c, c.params.account, c.params.id, c.body),
    }),
    route({
      method: "delete", path: `${base}/:id`, tag: "keys", status: 204, responses: { 204: null },
      summary: "Revoke a key. It fails from then on; the row is kept.",
      handler: (c) => keys.revoke(c, c.params.account, c.params.id),
    }),
    route({
      method: "post", path: `${base}/:id/regenerate`, tag: "keys", body: RegenerateKeyBody, responses: { 200: KeyWithSecretSchema },
      summary: "New secret (generated, or supplied as `secret`), same key id. The old secret dies at once, or after grace_period (at most 24h).",
      handler: (c) => keys.regenerate(c, c.params.account, c.params.id, c.body),
    }),
  ];
}
