import { PROVIDER_VERSION as SCHEMA_PROVIDER_VERSION } from "../api-key.schema";
import type * as grpc from "@grpc/grpc-js";
import { ApiKeyDataSource } from "./api-key.data-source";
import { ApiKeyResource, type ProviderContext } from "./api-key.resource";
import { KeyformApiError, KeyformClient } from "./client";
import { decodeObject, encodeObject, isUnknown, type DynamicValue, type ObjectValue } from "./cty";
import { error, hasErrors, type Diagnostic } from "./diagnostics";
import { log } from "./log";
import { API_KEY_TYPE_NAME as RESOURCE_TYPE, apiKeyDataSourceSchema, apiKeySchema as apiKeyResourceSchema, providerSchema } from "./schema";
import { validateBlock } from "./schema-validation";
import { attributeNames, toProtoSchema } from "./wire-schema";

const RESOURCE_ATTRS = attributeNames(apiKeyResourceSchema);
const DATA_ATTRS = attributeNames(apiKeyDataSourceSchema);
const PROVIDER_ATTRS = attributeNames(providerSchema);
const DEFAULT_ENDPOINT = "http://127.0.0.1:8080";
export const PROVIDER_VERSION = process.env.KEYFORM_PROVIDER_VERSION ?? SCHEMA_PROVIDER_VERSION;

/** Decodes an object value that must be known (configuration, state): unknown as a whole is an error. */
function object(dv: DynamicValue | undefined, attrs: readonly string[]): ObjectValue | null {
  const v = decodeObject(dv, attrs);
  if (isUnknown(v)) throw new Error("value is wholly unknown");
  return v;
}

/** An error as diagnostics: problem+json field errors point at their attribute. */
export function diagnosticsFrom(err: unknown, summary: string): Diagnostic[] {
  if (err instanceof KeyformApiError) {
    const fields = err.fieldErrors.filter((e) => e.field).map((e) => error(`${summary}: ${err.code}`, `${err.detail} (${e.message ?? "invalid"})`, e.field!.replace(/^\//, "").split("/")[0]));
    return fields.length > 0 ? fields : [error(`${summary}: ${err.code}`, err.detail)];
  }
  return [error(summary, (err as Error)?.message ?? String(err))];
}

/**
 * tfplugin6.Provider for keyform: the wire (DynamicValues, diagnostics) on one side, the resource and
 * data source classes on the other.
 */
export class KeyformProviderService {
  private endpoint = process.env.KEYFORM_ENDPOINT ?? DEFAULT_ENDPOINT;
  private account: string | null = process.env.KEYFORM_ACCOUNT ?? null;
  private configured: KeyformClient | null = null;
  private readonly stopping = new AbortController();
  private readonly context: ProviderContext;
  private readonly resource: ApiKeyResource;
  private readonly dataSource: ApiKeyDataSource;

  constructor(private readonly onStop: () => void = () => undefined) {
    const self = this;
    this.context = {
      client: () => {
        if (!self.configured) throw new Error("The keyform provider is not configured (KEYFORM_TOKEN missing?).");
        return self.configured;
      },
      get account() {
        return self.account;
      },
      now: () => Date.now(),
    };
    this.resource = new ApiKeyResource(this.context);
    this.dataSource = new ApiKeyDataSource(this.context);
  }

  GetMetadata() {
    return {
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
      resources: [{ type_name: RESOURCE_TYPE }],
      data_sources: [{ type_name: RESOURCE_TYPE }],
      diagnostics: [],
    };
  }

  GetProviderSchema() {
    return {
      provider: toProtoSchema(providerSchema),
      resource_schemas: { [RESOURCE_TYPE]: toProtoSchema(apiKeyResourceSchema) },
      data_source_schemas: { [RESOURCE_TYPE]: toProtoSchema(apiKeyDataSourceSchema) },
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
      diagnostics: [],
    };
  }

  ValidateProviderConfig(req: { config?: DynamicValue }) {
    const config = object(req.config, PROVIDER_ATTRS) ?? {};
    return { diagnostics: validateBlock(providerSchema, { endpoint: null, account: null, ...config }) };
  }

  ValidateResourceConfig(req: { type_name: string; config?: DynamicValue }) {
    this.requireType(req.type_name);
    const config = object(req.config, RESOURCE_ATTRS);
    return { diagnostics: config ? this.resource.validate(config) : [] };
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
    // Schema version 0 is the only one so far: the JSON state maps attribute by attribute.
    const state = object({ json: req.raw_state.json }, RESOURCE_ATTRS);
    return { upgraded_state: encodeObject(state, RESOURCE_ATTRS), diagnostics: [] };
  }

  ConfigureProvider(req: { terraform_version?: string; config?: DynamicValue }) {
    const config = object(req.config, PROVIDER_ATTRS) ?? {};
    const diagnostics: Diagnostic[] = [];
    if (isUnknown(config.endpoint) || isUnknown(config.account)) {
      diagnostics.push(error("Provider configuration not known", "endpoint and account must be known at plan time."));
      return { diagnostics };
    }
    if (typeof config.endpoint === "string") this.endpoint = config.endpoint;
    if (typeof config.account === "string") this.account = config.account;
    const token = process.env.KEYFORM_TOKEN;
    if (!token) {
      diagnostics.push(error("KEYFORM_TOKEN is not set", "The keyform provider reads its API token from the KEYFORM_TOKEN environment variable, never from configuration."));
      return { diagnostics };
    }
    this.configured = new KeyformClient({ endpoint: this.endpoint, token, stopSignal: this.stopping.signal, userAgent: `terraform-provider-keyform/${PROVIDER_VERSION} terraform/${req.terraform_version ?? "?"}` });
    log(`configured: endpoint ${this.endpoint}, account ${this.account ?? "(none)"}`);
    return { diagnostics };
  }

  async ReadResource(req: { type_name: string; current_state?: DynamicValue; private?: Buffer }) {
    this.requireType(req.type_name);
    const current = object(req.current_state, RESOURCE_ATTRS);
    try {
      const next = current === null ? null : await this.resource.read(current);
      return { new_state: encodeObject(next, RESOURCE_ATTRS), private: req.private, diagnostics: [] };
    } catch (err) {
      return { new_state: encodeObject(current, RESOURCE_ATTRS), private: req.private, diagnostics: diagnosticsFrom(err, "Reading the key failed") };
    }
  }

  PlanResourceChange(req: { type_name: string; prior_state?: DynamicValue; proposed_new_state?: DynamicValue; config?: DynamicValue; prior_private?: Buffer }) {
    this.requireType(req.type_name);
    const prior = object(req.prior_state, RESOURCE_ATTRS);
    const proposed = object(req.proposed_new_state, RESOURCE_ATTRS);
    const config = object(req.config, RESOURCE_ATTRS);
    const result = this.resource.plan(prior, proposed, config);
    if (hasErrors(result.diagnostics)) return { diagnostics: result.diagnostics };
    return {
      planned_state: encodeObject(result.planned, RESOURCE_ATTRS),
      requires_replace: result.requiresReplace,
      planned_private: req.prior_private,
      diagnostics: result.diagnostics,
    };
  }

  async ApplyResourceChange(req: { type_name: string; prior_state?: DynamicValue; planned_state?: DynamicValue; planned_private?: Buffer }) {
    this.requireType(req.type_name);
    const prior = object(req.prior_state, RESOURCE_ATTRS);
    const planned = object(req.planned_state, RESOURCE_ATTRS);
    try {
      const next = await this.resource.apply(prior, planned);
      return { new_state: encodeObject(next, RESOURCE_ATTRS), private: req.planned_private, diagnostics: [] };
    } catch (err) {
      const what = planned === null ? "Deleting" : prior === null ? "Creating" : "Updating";
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

  /** Terraform was interrupted: abort requests in flight; they end as error diagnostics. */
  StopProvider() {
    this.stopping.abort(new Error("Terraform stopped the provider"));
    this.onStop();
    return {};
  }

  private requireType(typeName: string) {
    if (typeName !== RESOURCE_TYPE) throw new Error(`unknown type ${typeName}; this provider serves ${RESOURCE_TYPE}`);
  }
}

type Handler = (req: never) => unknown;

/** grpc-js unary handlers for every RPC; an exception becomes an error diagnostic, never a crash. */
export function grpcHandlers(service: KeyformProviderService): grpc.UntypedServiceImplementation {
  const rpcs = [
    "GetMetadata", "GetProviderSchema", "ValidateProviderConfig", "ValidateResourceConfig", "ValidateDataResourceConfig",
    "UpgradeResourceState", "ConfigureProvider", "ReadResource", "PlanResourceChange", "ApplyResourceChange",
    "ImportResourceState", "ReadDataSource", "StopProvider",
  ] as const;
  const impl: grpc.UntypedServiceImplementation = {};
  for (const rpc of rpcs) {
    const fn = (service[rpc] as Handler).bind(service);
    impl[rpc] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const started = Date.now();
      Promise.resolve()
        .then(() => fn(call.request as never))
        .then(
          (res) => {
            log(`${rpc} ${Date.now() - started}ms`);
            callback(null, res);
          },
          (err: unknown) => {
            log(`${rpc} failed: ${(err as Error)?.stack ?? err}`);
            callback(null, rpc === "StopProvider" ? { Error: String((err as Error)?.message ?? err) } : { diagnostics: diagnosticsFrom(err, `${rpc} failed`) });
          },
        );
    };
  }
  return impl;
}
