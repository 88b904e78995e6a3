import { PROVIDER_VERSION as SCHEMA_PROVIDER_VERSION } from "../../core/schema/api-key.schema";
import { ApiKeyDataSource } from "./api-key.data-source";
import { ApiKeyResource, type ClientCapabilities, type ProviderContext } from "./api-key.resource";
import { PartialApplyError } from "./api-key.state";
import { KeyformClient } from "../../client/src";
import { decodeObject, encodeObject, isUnknown, type DynamicValue, type ObjectValue } from "./cty";
import { diagnosticsFrom, error, hasErrors, type Diagnostic } from "./diagnostics";
import { log } from "./log";
import {
  API_KEY_TYPE_NAME as RESOURCE_TYPE,
  apiKeyDataSourceSchema,
  apiKeySchema as apiKeyResourceSchema,
  providerSchema,
  SECRET_EPHEMERAL_TYPE_NAME,
  secretEphemeralSchema,
  TEMP_KEY_EPHEMERAL_TYPE_NAME,
  tempKeyEphemeralSchema,
} from "./schema";
import { validateBlock } from "./schema-validation";
import { SecretEphemeral } from "./secret.ephemeral";
import { TempKeyEphemeral } from "./temp-key.ephemeral";
import { attributeNames, toProtoSchema } from "./wire-schema";

const RESOURCE_ATTRS = attributeNames(apiKeyResourceSchema);
const DATA_ATTRS = attributeNames(apiKeyDataSourceSchema);
const PROVIDER_ATTRS = attributeNames(providerSchema);
const EPHEMERAL = {
  [SECRET_EPHEMERAL_TYPE_NAME]: { schema: secretEphemeralSchema, attrs: attributeNames(secretEphemeralSchema) },
  [TEMP_KEY_EPHEMERAL_TYPE_NAME]: { schema: tempKeyEphemeralSchema, attrs: attributeNames(tempKeyEphemeralSchema) },
};
type EphemeralType = keyof typeof EPHEMERAL;
const DEFAULT_ENDPOINT = "http://127.0.0.1:8080";
export const PROVIDER_VERSION = process.env.KEYFORM_PROVIDER_VERSION ?? SCHEMA_PROVIDER_VERSION;
export { diagnosticsFrom };

/** Decodes an object value that must be known (configuration, state): unknown as a whole is an error. */
function object(dv: DynamicValue | undefined, attrs: readonly string[]): ObjectValue | null {
  const v = decodeObject(dv, attrs);
  if (isUnknown(v)) throw new Error("value is wholly unknown");
  return v;
}

/**
 * tfplugin6.Provider for keyform: the wire (DynamicValues, diagnostics) on one side, the resource, data
 * source and ephemeral resource classes on the other.
 */
export class KeyformProviderService {
  private endpoint = process.env.KEYFORM_ENDPOINT ?? DEFAULT_ENDPOINT;
  private account: string | null = process.env.KEYFORM_ACCOUNT ?? null;
  private configured: KeyformClient | null = null;
  private readonly stopping = new AbortController();
  private readonly context: ProviderContext;
  private readonly resource: ApiKeyResource;
  private readonly dataSource: ApiKeyDataSource;
  private readonly secrets = new SecretEphemeral();
  private readonly tempKeys: TempKeyEphemeral;

  constructor(private readonly onStop: () => void = () => undefined) {
    const self = this;
    this.context = {
      client: () => {
        if (!self.configured) throw new Error("The keyform provider is not configured (no token, and KEYFORM_TOKEN missing?).");
        return self.configured;
      },
      get account() {
        return self.account;
      },
      now: () => Date.now(),
    };
    this.resource = new ApiKeyResource(this.context);
    this.dataSource = new ApiKeyDataSource(this.context);
    this.tempKeys = new TempKeyEphemeral(this.context);
  }

  GetMetadata() {
    return {
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
      resources: [{ type_name: RESOURCE_TYPE }],
      data_sources: [{ type_name: RESOURCE_TYPE }],
      ephemeral_resources: Object.keys(EPHEMERAL).map((type_name) => ({ type_name })),
      diagnostics: [],
    };
  }

  GetProviderSchema() {
    return {
      provider: toProtoSchema(providerSchema),
      resource_schemas: { [RESOURCE_TYPE]: toProtoSchema(apiKeyResourceSchema) },
      data_source_schemas: { [RESOURCE_TYPE]: toProtoSchema(apiKeyDataSourceSchema) },
      ephemeral_resource_schemas: Object.fromEntries(Object.entries(EPHEMERAL).map(([type, e]) => [type, toProtoSchema(e.schema)])),
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
      diagnostics: [],
    };
  }

  ValidateProviderConfig(req: { config?: DynamicValue }) {
    const config = object(req.config, PROVIDER_ATTRS) ?? {};
    return { diagnostics: validateBlock(providerSchema, { endpoint: null, account: null, token: null, ...config }) };
  }

  ValidateResourceConfig(req: { type_name: string; config?: DynamicValue; client_capabilities?: ClientCapabilities }) {
    this.requireType(req.type_name);
    const config = object(req.config, RESOURCE_ATTRS);
    return { diagnostics: config ? this.resource.validate(config, req.client_capabilities) : [] };
  }

  ValidateDataResourceConfig(req: { type_name: string; config?: DynamicValue }) {
    this.requireType(req.type_name);
    const config = object(req.config, DATA_ATTRS);
    return { diagnostics: config ? this.dataSource.validate(config) : [] };
  }

  UpgradeResourceState(req: { type_name: string; version?: number; raw_state?: { json?: Buffer } }) {
    this.requireType(req.type_name);
    if (!req.raw_state?.json?.length) {
      return { diagnostics: [error("Unsupported state", "keyform_api_key state must be JSON (flatmap state predates this provider).")] };
    }
    // Schema version 0 is the only one so far: the JSON state maps attribute by attribute (new ones null).
    const state = object({ json: req.raw_state.json }, RESOURCE_ATTRS);
    return { upgraded_state: encodeObject(state, RESOURCE_ATTRS), diagnostics: [] };
  }

  ConfigureProvider(req: { terraform_version?: string; config?: DynamicValue }) {
    const config = object(req.config, PROVIDER_ATTRS) ?? {};
    const diagnostics: Diagnostic[] = [];
    if (isUnknown(config.endpoint) || isUnknown(config.account) || isUnknown(config.token)) {
      diagnostics.push(error("Provider configuration not known", "endpoint, account and token must be known at plan time (an ephemeral value is)."));
      return { diagnostics };
    }
    if (typeof config.endpoint === "string") this.endpoint = config.endpoint;
    if (typeof config.account === "string") this.account = config.account;
    const token = typeof config.token === "string" ? config.token : process.env.KEYFORM_TOKEN;
    if (!token) {
      diagnostics.push(error("No keyform token", "Set KEYFORM_TOKEN in the environment, or the provider's token argument to an ephemeral value (e.g. ephemeral.keyform_temp_key.<name>.secret)."));
      return { diagnostics };
    }
    this.configured = new KeyformClient({ endpoint: this.endpoint, token, timeoutMs: 30_000, signal: this.stopping.signal, userAgent: `terraform-provider-keyform/${PROVIDER_VERSION} terraform/${req.terraform_version ?? "?"}` });
    log(`configured: endpoint ${this.endpoint}, account ${this.account ?? "(none)"}, token from ${typeof config.token === "string" ? "configuration" : "KEYFORM_TOKEN"}`);
    return { diagnostics };
  }

  async ReadResource(req: { type_name: string; current_state?: DynamicValue; private?: Buffer }) {
    this.requireType(req.type_name);
    const current = object(req.current_state, RESOURCE_ATTRS);
    try {
      const next = current === null ? null : await this.resource.read(current, req.private);
      return { new_state: encodeObject(next, RESOURCE_ATTRS), private: req.private, diagnostics: [] };
    } catch (err) {
      return { new_state: encodeObject(current, RESOURCE_ATTRS), private: req.private, diagnostics: diagnosticsFrom(err, "Reading the key failed") };
    }
  }

  PlanResourceChange(req: {
    type_name: string;
    prior_state?: DynamicValue;
    proposed_new_state?: DynamicValue;
    config?: DynamicValue;
    prior_private?: Buffer;
    client_capabilities?: ClientCapabilities;
  }) {
    this.requireType(req.type_name);
    const prior = object(req.prior_state, RESOURCE_ATTRS);
    const proposed = object(req.proposed_new_state, RESOURCE_ATTRS);
    const config = object(req.config, RESOURCE_ATTRS);
    const result = this.resource.plan(prior, proposed, config, req.client_capabilities, req.prior_private);
    if (hasErrors(result.diagnostics)) return { diagnostics: result.diagnostics };
    return {
      planned_state: encodeObject(result.planned, RESOURCE_ATTRS),
      requires_replace: result.requiresReplace,
      planned_private: req.prior_private,
      diagnostics: result.diagnostics,
    };
  }

  async ApplyResourceChange(req: { type_name: string; prior_state?: DynamicValue; planned_state?: DynamicValue; config?: DynamicValue; planned_private?: Buffer }) {
    this.requireType(req.type_name);
    const prior = object(req.prior_state, RESOURCE_ATTRS);
    const planned = object(req.planned_state, RESOURCE_ATTRS);
    const config = object(req.config, RESOURCE_ATTRS);
    try {
      const next = await this.resource.apply(prior, planned, config, req.planned_private);
      return { new_state: encodeObject(next.state, RESOURCE_ATTRS), private: next.privateData ?? req.planned_private, diagnostics: [] };
    } catch (err) {
      const what = planned === null ? "Deleting" : prior === null ? "Creating" : "Updating";
      if (err instanceof PartialApplyError) {
        return { new_state: encodeObject(err.state, RESOURCE_ATTRS), private: err.privateData, diagnostics: diagnosticsFrom(err.cause, `${what} the key failed after its secret was regenerated`) };
      }
      // On failure the object is as it was: Terraform keeps the prior state (none for a failed create).
      return { new_state: encodeObject(prior, RESOURCE_ATTRS), private: req.planned_private, diagnostics: diagnosticsFrom(err, `${what} the key failed`) };
    }
  }

  async ImportResourceState(req: { type_name: string; id: string }) {
    this.requireType(req.type_name);
    try {
      const state = await this.resource.import(req.id);
      return { imported_resources: [{ type_name: RESOURCE_TYPE, state: encodeObject(state, RESOURCE_ATTRS) }], diagnostics: [] };
    } catch (err) {
      return { imported_resources: [], diagnostics: diagnosticsFrom(err, "Import failed") };
    }
  }

  async ReadDataSource(req: { type_name: string; config?: DynamicValue }) {
    this.requireType(req.type_name);
    const config = object(req.config, DATA_ATTRS);
    if (config === null) return { diagnostics: [error("No configuration", "The data source has no configuration.")] };
    try {
      const { state, diagnostics } = await this.dataSource.read(config);
      return { state: state ? encodeObject(state, DATA_ATTRS) : undefined, diagnostics };
    } catch (err) {
      return { diagnostics: diagnosticsFrom(err, "Reading the key failed") };
    }
  }

  ValidateEphemeralResourceConfig(req: { type_name: string; config?: DynamicValue }) {
    const type = this.requireEphemeral(req.type_name);
    const config = object(req.config, EPHEMERAL[type].attrs);
    if (config === null) return { diagnostics: [] };
    return { diagnostics: type === SECRET_EPHEMERAL_TYPE_NAME ? this.secrets.validate(config) : this.tempKeys.validate(config) };
  }

  async OpenEphemeralResource(req: { type_name: string; config?: DynamicValue }) {
    const type = this.requireEphemeral(req.type_name);
    const attrs = EPHEMERAL[type].attrs;
    const config = object(req.config, attrs);
    if (config === null) return { diagnostics: [error("No configuration", `${type} has no configuration.`)] };
    try {
      const opened = type === SECRET_EPHEMERAL_TYPE_NAME ? this.secrets.open(config) : await this.tempKeys.open(config);
      if (opened.result === null) return { diagnostics: opened.diagnostics };
      return { result: encodeObject(opened.result, attrs), ...("privateData" in opened && opened.privateData ? { private: opened.privateData } : {}), diagnostics: opened.diagnostics };
    } catch (err) {
      return { diagnostics: diagnosticsFrom(err, `Opening ${type} failed`) };
    }
  }

  /** Never asked for: keyform's ephemeral values set no renew_at. */
  RenewEphemeralResource(req: { type_name: string; private?: Buffer }) {
    this.requireEphemeral(req.type_name);
    return { private: req.private, diagnostics: [] };
  }

  async CloseEphemeralResource(req: { type_name: string; private?: Buffer }) {
    const type = this.requireEphemeral(req.type_name);
    if (type === SECRET_EPHEMERAL_TYPE_NAME) return { diagnostics: [] };
    try {
      return { diagnostics: await this.tempKeys.close(req.private) };
    } catch (err) {
      return { diagnostics: diagnosticsFrom(err, "Revoking the keyform_temp_key failed (it expires on its own within 5 minutes)") };
    }
  }

  /** Terraform was interrupted: abort requests in flight; they end as error diagnostics. */
  StopProvider() {
    this.stopping.abort(new Error("Terraform stopped the provider"));
    this.onStop();
    return {};
  }

  private requireType(typeName: string) {
    if (typeName !== RESOURCE_TYPE) throw new Error(`unknown type ${typeName}; this provider serves ${RESOURCE_TYPE}`);
  }

  private requireEphemeral(typeName: string): EphemeralType {
    if (!(typeName in EPHEMERAL)) throw new Error(`unknown ephemeral resource type ${typeName}; this provider serves ${Object.keys(EPHEMERAL).join(", ")}`);
    return typeName as EphemeralType;
  }
}
