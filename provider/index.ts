/**
 * keyform's cdktf provider bindings, in the shape of the prebuilt `@cdktf/provider-*` packages, and the
 * schema they are built from.
 */
export * from "./keyform-provider";
export * from "./api-key.resource";
export * from "./api-key.data-source";
export * from "../core/schema/api-key.schema";
export * from "../core/schema/attribute-schema";
export { toTerraformProviderSchema, toTerraformBlock, toTerraformAttribute } from "../core/schema/terraform-schema";
export type { TerraformProviderSchemaJson, TerraformBlockJson, TerraformAttributeJson, TerraformTypeJson } from "../core/schema/terraform-schema";
export { validateArguments, argumentViolations, SchemaValidation } from "./validate";
export type { ArgumentViolation } from "../core/schema/argument-check";
