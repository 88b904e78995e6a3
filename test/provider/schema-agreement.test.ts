import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { TerraformOutput } from "cdktf";
import {
  ApiKey,
  DataKeyformApiKey,
  KeyformProvider,
  apiKeyDataSourceSchema,
  apiKeySchema,
  argumentsOf,
  keyformSchemas,
  computedOf,
  providerSchema,
  toTerraformProviderSchema,
  type BlockSchema,
} from "../../provider";
import { synthJson } from "./synth-helpers";

const PROVIDER_DIR = path.join(__dirname, "../../provider");

/** A valid literal for each argument, by Terraform name. A new argument without a sample fails below. */
const SAMPLES: Record<string, unknown> = {
  name: "github-actions",
  type: "temp",
  expires_in: "90d",
  expires_at: "2099-01-31T00:00:00Z",
  scopes: ["keys:read", "alerts:send"],
  account: "globex",
  rotate_every: "30d",
  rotation_overlap: "12h",
  secret_wo: "${ephemeral.keyform_secret.ci.value}",
  secret_wo_version: 3,
  token: "${ephemeral.keyform_temp_key.run.secret}",
  id: "key_0LegacyPartnerKey0000000",
  endpoint: "https://keys.example.com",
};

function configFrom(schema: BlockSchema): Record<string, unknown> {
  return Object.fromEntries(argumentsOf(schema).map((a) => [a.camelName, SAMPLES[a.tfName]]));
}

function snakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

describe("the schema itself", () => {
  it.each([apiKeySchema, apiKeyDataSourceSchema, providerSchema, ...Object.values(keyformSchemas.ephemeralResources)] as BlockSchema[])("$typeName: names, flags and rules are consistent", (schema) => {
    const names = schema.attributes.map((a) => a.tfName);
    expect(new Set(names).size).toBe(names.length);
    for (const a of schema.attributes) {
      expect(a.tfName).toBe(snakeCase(a.camelName));
      // Exactly Terraform's legal combinations: required, optional, computed, optional+computed.
      if (a.required) expect([a.optional, a.computed]).toEqual([false, false]);
      expect(a.required || a.optional || a.computed).toBe(true);
      if (a.forcesReplacement || a.default !== undefined || a.conflictsWith) expect(a.required || a.optional).toBe(true);
      expect(a.description.length).toBeGreaterThan(10);
      if (!a.required && !a.optional) expect(a.validations).toEqual([]);
      for (const other of a.conflictsWith ?? []) {
        expect(schema.attributes.find((b) => b.tfName === other)?.conflictsWith).toContain(a.tfName);
      }
      for (const rule of a.validations) if ("pattern" in rule) expect(() => new RegExp(rule.pattern)).not.toThrow();
      // Terraform: write-only only on optional/required arguments that are not computed.
      if (a.writeOnly) expect([a.computed, a.required || a.optional]).toEqual([false, true]);
    }
    for (const rule of schema.requiredWith ?? []) {
      expect(argumentsOf(schema).map((a) => a.tfName)).toEqual(expect.arrayContaining([rule.attribute, rule.requires]));
    }
  });

  it("keyform_api_key: type and account force replacement, nothing else does; the secrets are sensitive, secret_wo write-only", () => {
    expect(apiKeySchema.attributes.filter((a) => a.forcesReplacement).map((a) => a.tfName)).toEqual(["type", "account"]);
    expect(apiKeySchema.attributes.filter((a) => a.sensitive).map((a) => a.tfName)).toEqual(["secret_wo", "secret"]);
    expect(apiKeySchema.attributes.filter((a) => "writeOnly" in a && a.writeOnly).map((a) => a.tfName)).toEqual(["secret_wo"]);
    expect(argumentsOf(apiKeySchema).map((a) => a.tfName)).toEqual([
      "name", "type", "expires_in", "expires_at", "scopes", "account", "rotate_every", "rotation_overlap", "secret_wo", "secret_wo_version",
    ]);
    expect(computedOf(apiKeySchema).map((a) => a.tfName)).toEqual(
      expect.arrayContaining(["id", "secret", "masked", "created_at", "expires_at", "last_used_at", "rotation_due_at"]),
    );
  });

  it("the ephemeral resources: keyform_secret (type → value) and keyform_temp_key (account, name, scopes → id, secret, expires_at)", () => {
    const { keyform_secret: secret, keyform_temp_key: temp } = keyformSchemas.ephemeralResources;
    expect(argumentsOf(secret).map((a) => a.tfName)).toEqual(["type"]);
    expect(secret.attributes.filter((a) => a.sensitive).map((a) => a.tfName)).toEqual(["value"]);
    expect(argumentsOf(temp).map((a) => a.tfName)).toEqual(["account", "name", "scopes"]);
    expect(computedOf(temp).filter((a) => !a.optional).map((a) => a.tfName)).toEqual(["id", "secret", "expires_at"]);
    expect(temp.attributes.filter((a) => a.sensitive).map((a) => a.tfName)).toEqual(["secret"]);
  });

  it("the data source exposes the resource's computed attributes except secret (and rotation_due_at, which follows a resource's own rotate_every)", () => {
    const resource = computedOf(apiKeySchema).map((a) => a.tfName).filter((n) => n !== "secret" && n !== "rotation_due_at");
    const data = apiKeyDataSourceSchema.attributes.map((a) => a.tfName);
    expect(data).toEqual(expect.arrayContaining(resource));
    expect(data).not.toContain("secret");
    expect(apiKeyDataSourceSchema.exactlyOneOf).toEqual([["name", "id"]]);
  });

  it("the provider schema has endpoint, account, and a sensitive token for ephemeral values", () => {
    expect(providerSchema.attributes.map((a) => a.tfName)).toEqual(["endpoint", "account", "token"]);
    expect(providerSchema.attributes.filter((a) => a.sensitive).map((a) => a.tfName)).toEqual(["token"]);
    expect(providerSchema.attributes.find((a) => a.tfName === "token")!.description).toMatch(/ephemeral/);
  });
});

describe("constructs agree with the schema", () => {
  const cases = [
    { schema: apiKeySchema as BlockSchema, block: "resource", make: (s: any, c: any): any => new ApiKey(s, "k", c), ref: "keyform_api_key.k" },
    { schema: apiKeyDataSourceSchema as BlockSchema, block: "data", make: (s: any, c: any): any => new DataKeyformApiKey(s, "k", c), ref: "data.keyform_api_key.k" },
  ];

  it.each(cases)("$schema.typeName ($block): every argument in the Config is written under its Terraform name", ({ schema, block, make }) => {
    for (const a of argumentsOf(schema)) expect(SAMPLES).toHaveProperty([a.tfName]);
    const json = synthJson((stack) => {
      new KeyformProvider(stack, "keyform", { account: "acme" });
      make(stack, configFrom(schema));
    });
    const expected = Object.fromEntries(argumentsOf(schema).map((a) => [a.tfName, SAMPLES[a.tfName]]));
    expect(json[block].keyform_api_key.k).toEqual(expected);
  });

  it.each(cases)("$schema.typeName ($block): every attribute has a getter that references it", ({ schema, make, ref }) => {
    const json = synthJson((stack) => {
      new KeyformProvider(stack, "keyform", { account: "acme" });
      const construct = make(stack, { name: "k" });
      for (const a of schema.attributes) new TerraformOutput(stack, a.tfName, { value: construct[a.camelName] });
    });
    for (const a of schema.attributes) expect(json.output[a.tfName].value).toBe(`\${${ref}.${a.tfName}}`);
  });

  it.each(cases)("$schema.typeName ($block): every argument has an <name>Input getter holding the configured value", ({ schema, make }) => {
    synthJson((stack) => {
      const construct = make(stack, configFrom(schema));
      for (const a of argumentsOf(schema)) expect(construct[`${a.camelName}Input`]).toEqual(SAMPLES[a.tfName]);
    });
  });

  it("the provider writes every schema argument (and alias) under its Terraform name", () => {
    const json = synthJson((stack) => {
      new KeyformProvider(stack, "keyform", { ...configFrom(providerSchema), alias: "second" });
    });
    expect(json.provider.keyform).toEqual([{ ...Object.fromEntries(argumentsOf(providerSchema).map((a) => [a.tfName, SAMPLES[a.tfName]])), alias: "second" }]);
  });
});

/** JSDoc of each property of an exported interface, read with the TypeScript compiler. */
function configDocs(file: string, iface: string): Map<string, { doc: string; type: string; optional: boolean }> {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(PROVIDER_DIR, file), "utf8"), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, { doc: string; type: string; optional: boolean }>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== iface) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member)) continue;
      const doc = ts.getJSDocCommentsAndTags(member).map((d) => ts.getTextOfJSDocComment((d as ts.JSDoc).comment) ?? "").join("\n");
      out.set(member.name.getText(source), { doc, type: member.type!.getText(source), optional: member.questionToken !== undefined });
    }
  });
  if (out.size === 0) throw new Error(`${iface} not found in ${file}`);
  return out;
}

describe("Config interfaces document each field as the schema describes it", () => {
  it.each([
    ["api-key.resource.ts", "ApiKeyConfig", apiKeySchema as BlockSchema],
    ["api-key.data-source.ts", "DataKeyformApiKeyConfig", apiKeyDataSourceSchema as BlockSchema],
    ["keyform-provider.ts", "KeyformProviderConfig", providerSchema as BlockSchema],
  ])("%s %s", (file, iface, schema) => {
    const docs = configDocs(file, iface);
    const args = argumentsOf(schema);
    expect([...docs.keys()].filter((k) => k !== "alias")).toEqual(args.map((a) => a.camelName));
    for (const a of args) {
      const prop = docs.get(a.camelName)!;
      expect(prop.doc).toBe(`${a.description}\n\nTerraform attribute: \`${a.tfName}\``);
      expect(prop.type).toBe(a.type === "list(string)" ? "string[]" : a.type);
      expect(prop.optional).toBe(!a.required);
    }
  });
});

describe("Terraform provider schema JSON", () => {
  const schema = toTerraformProviderSchema();
  const keyform = schema.provider_schemas["registry.terraform.io/keyform/keyform"];

  it("describes keyform_api_key as `terraform providers schema -json` would", () => {
    const attrs = keyform.resource_schemas.keyform_api_key.block.attributes;
    expect(attrs.name).toMatchObject({ type: "string", required: true });
    expect(attrs.name.optional).toBeUndefined();
    expect(attrs.type).toMatchObject({ type: "string", optional: true, computed: true });
    expect(attrs.scopes.type).toEqual(["list", "string"]);
    expect(attrs.secret).toMatchObject({ type: "string", computed: true, sensitive: true });
    expect(attrs.secret.optional).toBeUndefined();
    expect(Object.keys(attrs)).toEqual(apiKeySchema.attributes.map((a) => a.tfName));
    expect(Object.keys(keyform.data_source_schemas.keyform_api_key.block.attributes)).not.toContain("secret");
    expect(Object.keys(keyform.provider.block.attributes)).toEqual(["endpoint", "account", "token"]);
    expect(attrs.secret_wo).toMatchObject({ type: "string", optional: true, sensitive: true, write_only: true });
    expect(attrs.secret_wo_version).toMatchObject({ type: "number", optional: true });
    expect(Object.values(attrs).filter((a) => a.write_only)).toHaveLength(1);
    expect(Object.keys(keyform.ephemeral_resource_schemas)).toEqual(["keyform_secret", "keyform_temp_key"]);
    expect(keyform.ephemeral_resource_schemas.keyform_secret.block.attributes.value).toMatchObject({ computed: true, sensitive: true });
  });
});

/**
 * cdktf's own binding generator (`cdktf get`), fed our schema, must produce the same Config fields,
 * members and synthesis as the hand-written constructs: then they are in the exact shape of a
 * prebuilt `@cdktf/provider-*` package, and cannot drift from the schema.
 */
describe("cdktf's generator, given our schema, emits what the constructs contain", () => {
  // Both are dependencies of cdktf-cli, which generates provider bindings with them.
  const { CodeMaker } = require("codemaker");
  const { TerraformProviderGenerator } = require("@cdktf/provider-generator/lib/get/generator/provider-generator");

  let generated: string;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "keyform-gen-"));
  const read = (rel: string) => fs.readFileSync(path.join(outdir, "providers/keyform", rel), "utf8");

  // Formatting aside (quotes, semicolons, whitespace, trailing commas), the code must be identical.
  const normalize = (code: string) => code.replace(/'/g, '"').replace(/[;\s]/g, "").replace(/,([}\]])/g, "$1");
  const method = (code: string, name: string) => {
    const m = new RegExp(`protected (?:override )?${name}\\(\\): \\{ \\[name: string\\]: any \\} \\{([\\s\\S]*?)\\n  \\}`).exec(code);
    if (!m) throw new Error(`${name} not found`);
    return normalize(m[1]);
  };
  const members = (code: string) =>
    [...code.matchAll(/public (?:override )?(get|set|static readonly|static|reset)\s*(\w+)/g)].map((m) => `${m[1]} ${m[2]}`).sort();
  const fields = (code: string, iface: string) => {
    const body = new RegExp(`export interface ${iface}[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(code)![1];
    return [...body.matchAll(/readonly (\w+\??): ([^;]+);/g)].map((m) => `${m[1]}: ${m[2]}`);
  };

  beforeAll(async () => {
    const code = new CodeMaker();
    new TerraformProviderGenerator(code, toTerraformProviderSchema()).generateAll();
    await code.save(outdir);
    generated = read("api-key/index.ts");
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it.each([
    ["api-key/index.ts", "api-key.resource.ts", "ApiKeyConfig"],
    ["data-keyform-api-key/index.ts", "api-key.data-source.ts", "DataKeyformApiKeyConfig"],
    ["provider/index.ts", "keyform-provider.ts", "KeyformProviderConfig"],
  ])("%s ↔ provider/%s", (genFile, ownFile, iface) => {
    expect(generated).toContain("class ApiKey");
    const gen = read(genFile);
    const own = fs.readFileSync(path.join(PROVIDER_DIR, ownFile), "utf8");
    expect(fields(own, iface)).toEqual(fields(gen, iface));
    expect(method(own, "synthesizeAttributes")).toBe(method(gen, "synthesizeAttributes"));
    expect(method(own, "synthesizeHclAttributes")).toBe(method(gen, "synthesizeHclAttributes"));
    expect(members(own)).toEqual(members(gen));
  });
});
