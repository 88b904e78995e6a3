/**
 * keyform's cdktf provider bindings, in the shape of the prebuilt `@cdktf/provider-*` packages, and the
 * schema they are built from.
 */
export * from "./keyform-provider";
export * from "./api-key.resource";
export * from "./api-key.data-source";
export * from "./api-key.schema";
export * from "./attribute-schema";
export { toTerraformProviderSchema, toTerraformBlock, toTerraformAttribute } from "./terraform-schema";
export type { TerraformProviderSchemaJson, TerraformBlockJson, TerraformAttributeJson, TerraformTypeJson } from "./terraform-schema";
export { validateArguments, SchemaValidation } from "./validate";
