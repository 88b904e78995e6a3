import { Testing } from "cdktf";
import { ApiKey, argumentViolations, DataKeyformApiKey, KeyformProvider, toTerraformProviderSchema, validateArguments } from "../../provider";
import type { ObjectValue } from "../../provider/plugin/cty";
import { apiKeyDataSourceSchema, apiKeySchema, providerSchema, type BlockSchema } from "../../provider/plugin/schema";
import { attributeNames } from "../../provider/plugin/wire-schema";
import { dv, PluginClient } from "./plugin-client";

jest.setTimeout(60_000);

const TYPE = "keyform_api_key";

/** A tfplugin6 Schema as `terraform providers schema -json` would print it. */
function asTerraformJson(schema: any) {
  return {
    version: schema.version ?? 0,
    block: {
      attributes: Object.fromEntries(
        schema.block.attributes.map((a: any) => [
          a.name,
          {
            type: JSON.parse(Buffer.from(a.type).toString()),
            description: a.description,
            description_kind: String(a.description_kind).toLowerCase(),
            ...(a.required ? { required: true } : {}),
            ...(a.optional ? { optional: true } : {}),
            ...(a.computed ? { computed: true } : {}),
            ...(a.sensitive ? { sensitive: true } : {}),
            ...(a.write_only ? { write_only: true } : {}),
          },
        ]),
      ),
      description: schema.block.description,
      description_kind: String(schema.block.description_kind).toLowerCase(),
    },
  };
}

/** A full object value for a block: every attribute, null unless given. */
function objectOf(schema: BlockSchema, values: Record<string, unknown>): ObjectValue {
  return Object.fromEntries(schema.attributes.map((a) => [a.tfName, (values[a.tfName] as ObjectValue[string]) ?? null]));
}

const withoutMetadata = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== "//"));

describe("the cdktf constructs and terraform-provider-keyform share one schema", () => {
  let client: PluginClient;
  beforeAll(async () => {
    client = await PluginClient.start({ KEYFORM_TOKEN: "unused" });
  });
  afterAll(async () => {
    await client.shutdown().catch(() => undefined);
    client.close();
  });

  it("GetProviderSchema is exactly toTerraformProviderSchema() of provider/api-key.schema.ts", async () => {
    const served = await client.call("GetProviderSchema");
    const expected = toTerraformProviderSchema().provider_schemas["registry.terraform.io/keyform/keyform"];
    expect(asTerraformJson(served.provider)).toEqual(expected.provider);
    expect(Object.keys(served.resource_schemas)).toEqual(Object.keys(expected.resource_schemas));
    expect(asTerraformJson(served.resource_schemas[TYPE])).toEqual(expected.resource_schemas[TYPE]);
    expect(Object.keys(served.data_source_schemas)).toEqual(Object.keys(expected.data_source_schemas));
    expect(asTerraformJson(served.data_source_schemas[TYPE])).toEqual(expected.data_source_schemas[TYPE]);
    expect(Object.keys(served.ephemeral_resource_schemas).sort()).toEqual(Object.keys(expected.ephemeral_resource_schemas).sort());
    for (const [type, schema] of Object.entries(expected.ephemeral_resource_schemas)) expect(asTerraformJson(served.ephemeral_resource_schemas[type])).toEqual(schema);
  });

  it("every argument the constructs synthesize is accepted by the plugin's validation", async () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        new KeyformProvider(scope, "keyform", { endpoint: "https://keys.example.com", account: "acme" });
        new ApiKey(scope, "full", { name: "ci-deploy", type: "live", expiresIn: "90d", scopes: ["keys:read", "alerts:send"], account: "globex", rotateEvery: "30d", rotationOverlap: "12h" });
        new ApiKey(scope, "at", { name: "dated", expiresAt: "2030-01-31T00:00:00Z" });
        new ApiKey(scope, "temp", { name: "one-off", type: "temp" });
        new DataKeyformApiKey(scope, "legacy", { id: "key_0LegacyPartnerKey0000000" });
      }),
    );
    const provider = withoutMetadata(json.provider.keyform[0]);
    expect((await client.call("ValidateProviderConfig", { config: dv(objectOf(providerSchema, provider), attributeNames(providerSchema)) })).diagnostics ?? []).toEqual([]);
    for (const [name, raw] of Object.entries<Record<string, unknown>>(json.resource.keyform_api_key)) {
      const args = withoutMetadata(raw);
      expect({ name, unknown: Object.keys(args).filter((k) => !attributeNames(apiKeySchema).includes(k)) }).toEqual({ name, unknown: [] });
      const res = await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(objectOf(apiKeySchema, args), attributeNames(apiKeySchema)) });
      expect({ name, diagnostics: res.diagnostics ?? [] }).toEqual({ name, diagnostics: [] });
    }
    const ds = withoutMetadata(json.data.keyform_api_key.legacy);
    const res = await client.call("ValidateDataResourceConfig", { type_name: TYPE, config: dv(objectOf(apiKeyDataSourceSchema, ds), attributeNames(apiKeyDataSourceSchema)) });
    expect(res.diagnostics ?? []).toEqual([]);
  });

  it.each([
    ["a bad name", { name: "no spaces allowed" }, ["VALIDATION_FAILED"]],
    ["an unknown type", { name: "k", type: "premium" }, ["VALIDATION_FAILED"]],
    ["type legacy", { name: "k", type: "legacy" }, ["LEGACY_KEYS_CANNOT_BE_CREATED"]],
    ["an unknown lifetime", { name: "k", expires_in: "3d" }, ["VALIDATION_FAILED"]],
    ["a date that is not RFC 3339", { name: "k", expires_at: "tomorrow" }, ["VALIDATION_FAILED"]],
    ["both expiry arguments", { name: "k", expires_in: "90d", expires_at: "2030-01-01T00:00:00Z" }, ["VALIDATION_FAILED"]],
    ["an expiry on a temp key", { name: "k", type: "temp", expires_in: "30d" }, ["VALIDATION_FAILED"]],
    ["a bad scope", { name: "k", scopes: ["has space"] }, ["VALIDATION_FAILED"]],
    ["a bad account", { name: "k", account: "Not_An_Account" }, ["VALIDATION_FAILED"]],
    ["a zero rotation", { name: "k", rotate_every: "0d" }, ["VALIDATION_FAILED"]],
    ["secret_wo_version without secret_wo", { name: "k", secret_wo_version: 2 }, ["VALIDATION_FAILED"]],
    ["no name", { scopes: ["keys:read"] }, ["VALIDATION_FAILED"]],
    ["three problems", { name: "bad name", type: "temp", expires_in: "45d", scopes: ["ok:scope", "not ok"] }, ["VALIDATION_FAILED", "VALIDATION_FAILED", "VALIDATION_FAILED", "VALIDATION_FAILED"]],
    ["a good key", { name: "k", expires_in: "1y", scopes: ["keys:read"], rotate_every: "90d" }, []],
  ] as [string, Record<string, unknown>, string[]][])("constructs (synth-time check) and plugin (ValidateResourceConfig) give the same errors for %s", async (_what, args, codes) => {
    const constructs = argumentViolations(apiKeySchema, args);
    const res = await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(objectOf(apiKeySchema, args), attributeNames(apiKeySchema)) });
    const plugin = ((res.diagnostics ?? []) as any[]).map((d) => ({ severity: d.severity, summary: d.summary, detail: d.detail, attribute: d.attribute?.steps?.map((s: any) => s.attribute_name) }));
    // The same errors, in the same order: summary, detail and attribute path as the plugin words them.
    expect(plugin).toEqual(constructs.map((v) => ({ severity: "ERROR", summary: v.summary, detail: v.detail, attribute: [v.field] })));
    // The codes keyform's server names for them (a Terraform diagnostic has no code field).
    expect(constructs.map((v) => v.code)).toEqual(codes);
    // validateArguments (and synth) word each error in one line.
    expect(validateArguments(apiKeySchema, args)).toEqual(constructs.map((v) => v.message));
  });
});
