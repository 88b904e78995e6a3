import { stringify } from "yaml";
import { parseStackKey } from "../../core/stack-ref";
import type { ApiKey } from "./key.entity";
import { statusOf } from "../../core/keys/key";
import type { KeyView } from "../../client/src/types";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The public shape of a key: never its secret or hash. */
export function toKeyView(k: ApiKey, now: number, pending: { uses: number; lastUsedAt: number | null } = { uses: 0, lastUsedAt: null }): KeyView {
  const uses = k.uses + pending.uses;
  const lastUsedAt = pending.lastUsedAt !== null && (k.lastUsedAt === null || pending.lastUsedAt > k.lastUsedAt) ? pending.lastUsedAt : k.lastUsedAt;
  return {
    id: k.id,
    account: k.accountId,
    name: k.name,
    type: k.type,
    masked: k.masked,
    scopes: k.scopes,
    status: statusOf({ ...k, uses }, now),
    created_at: iso(k.createdAt)!,
    expires_in: k.expiresIn,
    expires_at: iso(k.expiresAt),
    last_used_at: iso(lastUsedAt),
    uses,
    remaining_uses: k.maxUses === null ? null : Math.max(0, k.maxUses - uses),
    managed_by_stack: k.stack === null ? null : parseStackKey(k.stack).name,
    /** The account owning that stack, or null for the operator's stacks (address it with `?owner=`). */
    managed_by_stack_owner: k.stack === null ? null : parseStackKey(k.stack).owner,
  };
}
/** The API's KeyView (client/src/api-schemas.ts): what GET /v1/accounts/:account/keys/:id documents. */
export type { KeyView };

/** Kubernetes object names: lower case, `_` → `-`, DNS-1123 safe. */
export function kubernetesName(name: string): string {
  const n = name.toLowerCase().replace(/_/g, "-").replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "");
  return (n || "keyform-api-key").slice(0, 253);
}

/** The one-time secret, ready to paste where it is going. */
export function secretFormats(secret: string, keyName: string) {
  const b64 = Buffer.from(secret, "utf8").toString("base64");
  return {
    shell: `export KEYFORM_API_KEY="${secret}"`,
    base64: b64,
    kubernetes: stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: kubernetesName(keyName) },
      type: "Opaque",
      data: { KEYFORM_API_KEY: b64 },
    }),
  };
}
