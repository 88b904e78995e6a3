/**
 * The schemas the plugin serves are the ones the cdktf constructs are built from
 * (`provider/api-key.schema.ts`): one declaration of every attribute, its flags, its validations and
 * whether a change forces replacement. Imported from the schema module itself, not `provider/index.ts`,
 * so that the plugin does not load cdktf at start-up.
 */
export type { AttributeSchema, AttributeType, AttributeValidation, BlockSchema } from "../../core/schema/attribute-schema";
export {
  API_KEY_TYPE_NAME,
  DURATION_PATTERN,
  KEY_ID_PATTERN,
  PROVIDER_SOURCE,
  apiKeyDataSourceSchema,
  apiKeySchema,
  providerSchema,
} from "../../core/schema/api-key.schema";
export { SECRET_EPHEMERAL_TYPE_NAME, TEMP_KEY_EPHEMERAL_TYPE_NAME, secretEphemeralSchema, tempKeyEphemeralSchema } from "../../core/schema/ephemeral.schema";
