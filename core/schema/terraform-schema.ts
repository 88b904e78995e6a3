/**
 * Renders the keyform schemas in Terraform's provider schema JSON format, the one
 * `terraform providers schema -json` prints and `cdktf get` generates bindings from. A provider plugin
 * answers GetProviderSchema with the same content; the extras keyform needs (forces replacement,
 * validation) stay in `api-key.schema.ts`.
 */
import type { AttributeSchema, AttributeType, BlockSchema } from "./attribute-schema";
import { keyformSchemas, PROVIDER_SOURCE } from "./api-key.schema";

export type TerraformTypeJson = "string" | "number" | ["list", "string"];

export interface TerraformAttributeJson {
  type: TerraformTypeJson;
  description: string;
  description_kind: "plain" | "markdown";
  required?: true;
  optional?: true;
  computed?: true;
  sensitive?: true;
  write_only?: true;
}

export interface TerraformBlockJson {
  version: number;
  block: { attributes: Record<string, TerraformAttributeJson>; description: string; description_kind: "markdown" };
}

export interface TerraformProviderSchemaJson {
  format_version: "1.0";
  provider_schemas: Record<
    string,
    {
      provider: TerraformBlockJson;
      resource_schemas: Record<string, TerraformBlockJson>;
      data_source_schemas: Record<string, TerraformBlockJson>;
      ephemeral_resource_schemas: Record<string, TerraformBlockJson>;
    }
  >;
}

const TYPES: Record<AttributeType, TerraformTypeJson> = {
  string: "string",
  number: "number",
  "list(string)": ["list", "string"],
};

export function toTerraformAttribute(a: AttributeSchema): TerraformAttributeJson {
  return {
    type: TYPES[a.type],
    description: a.description,
    description_kind: "markdown",
    ...(a.required ? { required: true } : {}),
    ...(a.optional ? { optional: true } : {}),
    ...(a.computed ? { computed: true } : {}),
    ...(a.sensitive ? { sensitive: true } : {}),
    ...(a.writeOnly ? { write_only: true } : {}),
  };
}

export function toTerraformBlock(schema: BlockSchema): TerraformBlockJson {
  return {
    version: schema.version,
    block: {
      attributes: Object.fromEntries(schema.attributes.map((a) => [a.tfName, toTerraformAttribute(a)])),
      description: schema.description,
      description_kind: "markdown",
    },
  };
}

/** The whole provider, keyed by its registry address as Terraform writes it. */
export function toTerraformProviderSchema(): TerraformProviderSchemaJson {
  const map = (blocks: Record<string, BlockSchema>) =>
    Object.fromEntries(Object.entries(blocks).map(([type, schema]) => [type, toTerraformBlock(schema)]));
  return {
    format_version: "1.0",
    provider_schemas: {
      [`registry.terraform.io/${PROVIDER_SOURCE}`]: {
        provider: toTerraformBlock(keyformSchemas.provider),
        resource_schemas: map(keyformSchemas.resources),
        data_source_schemas: map(keyformSchemas.dataSources),
        ephemeral_resource_schemas: map(keyformSchemas.ephemeralResources),
      },
    },
  };
}
