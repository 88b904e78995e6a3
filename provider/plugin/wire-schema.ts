import type { CtyType } from "./cty";
import type { AttributeType, BlockSchema } from "./schema";

const CTY_TYPES: Record<AttributeType, CtyType> = { string: "string", number: "number", "list(string)": ["list", "string"] };

export const ctyTypeOf = (t: AttributeType): CtyType => CTY_TYPES[t];

/** Terraform names of a block's attributes, in schema order (the order of every encoded object). */
export const attributeNames = (block: BlockSchema): string[] => block.attributes.map((a) => a.tfName);

/** A block as tfplugin6 `Schema`: attribute types as cty type JSON (`"string"`, `["list","string"]`). */
export function toProtoSchema(block: BlockSchema) {
  return {
    version: block.version,
    block: {
      version: block.version,
      description: block.description,
      description_kind: "MARKDOWN",
      attributes: block.attributes.map((a) => ({
        name: a.tfName,
        type: Buffer.from(JSON.stringify(ctyTypeOf(a.type))),
        description: a.description,
        description_kind: "MARKDOWN",
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        write_only: a.writeOnly === true,
      })),
    },
  };
}
