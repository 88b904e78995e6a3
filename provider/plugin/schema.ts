import type { CtyType } from "./cty";

/** One attribute of a Terraform schema. */
export interface AttributeSpec {
  name: string;
  type: CtyType;
  description: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
}

export interface BlockSpec {
  description: string;
  attributes: readonly AttributeSpec[];
}

export const RESOURCE_TYPE = "keyform_api_key";
export const EXPIRES_IN = ["30d", "90d", "1y", "2y", "never"] as const;
export const KEY_TYPES = ["live", "temp"] as const;
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
export const KEY_ID_PATTERN = /^key_[0-9A-Za-z]{24}$/;
/** `rotate_every`: a count and a unit, e.g. `90d`, `12h`, `1y`. */
export const DURATION_PATTERN = /^(\d{1,6})(s|m|h|d|y)$/;

export const providerSchema: BlockSpec = {
  description: "keyform: API keys managed like infrastructure. The token comes from KEYFORM_TOKEN, never from configuration.",
  attributes: [
    { name: "endpoint", type: "string", optional: true, description: "Base URL of the keyform server, e.g. https://keys.example.com. Default: KEYFORM_ENDPOINT, else http://127.0.0.1:8080." },
    { name: "account", type: "string", optional: true, description: "Account whose keys are managed unless a resource names its own. Default: KEYFORM_ACCOUNT." },
  ],
};

export const apiKeyResourceSchema: BlockSpec = {
  description: "An API key of a keyform account. Its secret is known only after create or replacement.",
  attributes: [
    { name: "id", type: "string", computed: true, description: "Key id (key_…), stable for the life of the key." },
    { name: "name", type: "string", required: true, description: "1-128 of A-Z a-z 0-9 - _, unique among the account's active keys." },
    { name: "type", type: "string", optional: true, computed: true, description: "live (default) or temp. Changing it replaces the key." },
    { name: "expires_in", type: "string", optional: true, description: "Lifetime: 30d, 90d, 1y, 2y or never. Not with expires_at; not for temp keys." },
    { name: "expires_at", type: "string", optional: true, computed: true, description: "Expiry as an RFC 3339 time in the future. Not with expires_in; not for temp keys." },
    { name: "scopes", type: ["list", "string"], optional: true, description: "Scopes such as alerts:send, keys:read, keys:manage, keys:verify." },
    { name: "account", type: "string", optional: true, computed: true, description: "Account of the key; overrides the provider's. Changing it replaces the key." },
    { name: "rotate_every", type: "string", optional: true, description: "e.g. 90d: the plan replaces the key once it is older than this." },
    { name: "secret", type: "string", computed: true, sensitive: true, description: "The secret, known after create or replacement only." },
    { name: "masked", type: "string", computed: true, description: "Masked form of the secret, e.g. kf_live_Tg2c…KiON." },
    { name: "created_at", type: "string", computed: true, description: "Creation time (RFC 3339)." },
    { name: "last_used_at", type: "string", computed: true, description: "Time of the last use (RFC 3339), null if never used." },
  ],
};

export const apiKeyDataSourceSchema: BlockSpec = {
  description: "Looks up an active API key of a keyform account by name or id (e.g. a legacy key). Never exposes a secret.",
  attributes: [
    { name: "id", type: "string", optional: true, computed: true, description: "Key id (key_…). Give id or name." },
    { name: "name", type: "string", optional: true, computed: true, description: "Key name. Give id or name." },
    { name: "account", type: "string", optional: true, computed: true, description: "Account of the key; overrides the provider's." },
    { name: "type", type: "string", computed: true, description: "live, temp or legacy." },
    { name: "scopes", type: ["list", "string"], computed: true, description: "Scopes of the key." },
    { name: "status", type: "string", computed: true, description: "active, expired, revoked or exhausted." },
    { name: "masked", type: "string", computed: true, description: "Masked form of the secret." },
    { name: "expires_in", type: "string", computed: true, description: "Lifetime the key was given, if any." },
    { name: "expires_at", type: "string", computed: true, description: "Expiry (RFC 3339), null if never." },
    { name: "created_at", type: "string", computed: true, description: "Creation time (RFC 3339)." },
    { name: "last_used_at", type: "string", computed: true, description: "Time of the last use (RFC 3339)." },
  ],
};

export const attributeNames = (block: BlockSpec): string[] => block.attributes.map((a) => a.name);

/** The wire form of a schema (tfplugin6 `Schema`), attribute types as cty type JSON. */
export function toProtoSchema(block: BlockSpec, version = 0) {
  return {
    version,
    block: {
      version,
      description: block.description,
      description_kind: "PLAIN",
      attributes: block.attributes.map((a) => ({
        name: a.name,
        type: Buffer.from(JSON.stringify(a.type)),
        description: a.description,
        description_kind: "PLAIN",
        required: !!a.required,
        optional: !!a.optional,
        computed: !!a.computed,
        sensitive: !!a.sensitive,
      })),
    },
  };
}
