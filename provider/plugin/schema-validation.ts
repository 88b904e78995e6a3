import { isUnknown, type ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";
import { checkArguments } from "../../core/schema/argument-check";
import type { BlockSchema } from "./schema";

/**
 * Checks a configuration against the rules its schema declares (core/schema/argument-check.ts, the
 * check the cdktf constructs run at synth), as diagnostics on attribute paths. Unknown values
 * (references to what is not applied yet) are skipped; Terraform validates again once they are known.
 */
export function validateBlock(schema: BlockSchema, config: ObjectValue): Diagnostic[] {
  return checkArguments(schema, config, { deferred: isUnknown }).map((v) => error(v.summary, v.detail, v.field));
}
