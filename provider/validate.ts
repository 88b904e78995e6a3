import type { IValidation } from "constructs";
import { Token } from "cdktf";
import type { AttributeSchema, BlockSchema } from "../core/schema/attribute-schema";
import { argumentsOf } from "../core/schema/attribute-schema";
import { checkRule } from "../core/schema/attribute-rules";


/**
 * Checks the literal argument values of one block (keyed by Terraform name, as `synthesizeAttributes`
 * returns them) against its schema. Tokens (references, variables, iterator values) are left to the
 * plan, which sees their values; so are rules that depend on the server (limits, expiry policy, whether
 * `expires_at` is still in the future).
 */
export function validateArguments(schema: BlockSchema, values: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const isSet = (tfName: string) => values[tfName] !== undefined && values[tfName] !== null;
  for (const attribute of argumentsOf(schema)) {
    const value = values[attribute.tfName];
    if (value === undefined || value === null) {
      if (attribute.required) errors.push(`${attribute.tfName} is required`);
      continue;
    }
    errors.push(...checkValue(attribute, value));
    for (const other of attribute.conflictsWith ?? []) {
      // Report each conflicting pair once.
      if (attribute.tfName < other && isSet(other)) errors.push(`${attribute.tfName} conflicts with ${other}: set only one`);
    }
  }
  for (const group of schema.exactlyOneOf ?? []) {
    const set = group.filter(isSet);
    if (set.length !== 1) errors.push(`exactly one of ${group.join(", ")} must be set${set.length ? ` (got ${set.join(", ")})` : ""}`);
  }
  for (const rule of schema.forbiddenWhen ?? []) {
    if (values[rule.attribute] !== rule.equals) continue;
    for (const forbidden of rule.forbids.filter(isSet)) {
      errors.push(`${forbidden} must not be set when ${rule.attribute} is "${rule.equals}": ${rule.reason}`);
    }
  }
  for (const rule of schema.requiredWith ?? []) {
    if (isSet(rule.attribute) && !isSet(rule.requires)) errors.push(`${rule.attribute} needs ${rule.requires}`);
  }
  return errors;
}

/**
 * A value synth cannot know: a cdktf token, or a string holding a Terraform interpolation
 * (`"svc-${each.key}"`, `"${var.name}"`), which Terraform (or keyform's plan) evaluates.
 */
function deferred(value: unknown): boolean {
  return Token.isUnresolved(value) || (typeof value === "string" && value.includes("${"));
}

function checkValue(attribute: AttributeSchema, value: unknown): string[] {
  if (deferred(value)) return [];
  const name = attribute.tfName;
  if (attribute.type === "list(string)") {
    if (!Array.isArray(value)) return [`${name} must be a list of strings`];
    const errors: string[] = [];
    value.forEach((element, i) => {
      if (typeof element !== "string" && !deferred(element)) errors.push(`${name}[${i}] ${JSON.stringify(element)} must be a string`);
    });
    for (const rule of attribute.validations) {
      if (rule.kind === "max_items") {
        if (value.length > rule.max) errors.push(`${name} has ${value.length} elements; at most ${rule.max} are allowed`);
        continue;
      }
      value.forEach((element, i) => {
        if (typeof element !== "string" || deferred(element)) return;
        const problem = checkRule(rule, element);
        if (problem) errors.push(`${name}[${i}] ${JSON.stringify(element)} ${problem}`);
      });
    }
    return errors;
  }
  if (attribute.type === "number") {
    return typeof value === "number" ? [] : [`${name} must be a number`];
  }
  if (typeof value !== "string") return [`${name} must be a string`];
  return attribute.validations.flatMap((rule) => {
    const problem = checkRule(rule, value);
    return problem ? [`${name} ${JSON.stringify(value)} ${problem}`] : [];
  });
}

/** A construct validation that checks a block's literal arguments when the app is synthesized. */
export class SchemaValidation implements IValidation {
  constructor(
    private readonly schema: BlockSchema,
    private readonly values: () => Record<string, unknown>,
  ) {}

  validate(): string[] {
    return validateArguments(this.schema, this.values()).map((e) => `${this.schema.typeName}: ${e}`);
  }
}
