import type { IValidation } from "constructs";
import { Token } from "cdktf";
import type { BlockSchema } from "../core/schema/attribute-schema";
import { argumentsOf } from "../core/schema/attribute-schema";
import { checkArguments, type ArgumentViolation } from "../core/schema/argument-check";
import { resolveExpiry } from "../core/keys/expiry";

/**
 * Checks the literal argument values of one block (keyed by Terraform name, as `synthesizeAttributes`
 * returns them) against its schema. Tokens (references, variables, iterator values) are left to the
 * plan, which sees their values; so are rules that depend on the server (limits, expiry policy).
 */
export function validateArguments(schema: BlockSchema, values: Record<string, unknown>): string[] {
  return checkArguments(schema, values, { deferred }).map((v) => v.message);
}

/**
 * The same check as violations (code and argument, as keyform's REST API and reconciler name them),
 * plus, given the time, the rule that needs a clock: an `expires_at` being set must lie in the future
 * (a date past at synth is past at every later plan).
 */
export function argumentViolations(schema: BlockSchema, values: Record<string, unknown>, now?: number): ArgumentViolation[] {
  const out = checkArguments(schema, values, { deferred });
  const at = values.expires_at;
  const judgesExpiry = argumentsOf(schema).some((a) => a.tfName === "expires_at");
  if (now !== undefined && judgesExpiry && typeof at === "string" && !deferred(at) && !out.some((v) => v.field === "expires_at")) {
    const r = resolveExpiry({ expires_at: at }, null, now);
    if (!r.ok) out.push({ ...r.violation, field: "expires_at", message: r.violation.detail.replace(/\.$/, "") });
  }
  return out;
}

/**
 * A value synth cannot know: a cdktf token, or a string holding a Terraform interpolation
 * (`"svc-${each.key}"`, `"${var.name}"`), which Terraform (or keyform's plan) evaluates.
 */
function deferred(value: unknown): boolean {
  return Token.isUnresolved(value) || (typeof value === "string" && value.includes("${"));
}

/**
 * A construct validation that checks a block's literal arguments when the app is synthesized. Each error
 * ends with the code and argument keyform's server would name: `[VALIDATION_FAILED @ name]`.
 */
export class SchemaValidation implements IValidation {
  constructor(
    private readonly schema: BlockSchema,
    private readonly values: () => Record<string, unknown>,
    private readonly now: () => number = Date.now,
  ) {}

  validate(): string[] {
    return argumentViolations(this.schema, this.values(), this.now()).map((v) => `${this.schema.typeName}: ${v.message} [${v.code} @ ${v.field}]`);
  }
}
