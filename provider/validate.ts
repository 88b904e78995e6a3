import type { IValidation } from "constructs";
import { Token } from "cdktf";
import { parseDuration } from "../server/keys/expiry";
import type { AttributeSchema, AttributeValidation, BlockSchema } from "./attribute-schema";
import { argumentsOf } from "./attribute-schema";

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

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
  return errors;
}

function checkValue(attribute: AttributeSchema, value: unknown): string[] {
  if (Token.isUnresolved(value)) return [];
  const name = attribute.tfName;
  if (attribute.type === "list(string)") {
    if (!Array.isArray(value)) return [`${name} must be a list of strings`];
    const errors: string[] = [];
    value.forEach((element, i) => {
      if (typeof element !== "string") errors.push(`${name}[${i}] ${JSON.stringify(element)} must be a string`);
    });
    for (const rule of attribute.validations) {
      if (rule.kind === "max_items") {
        if (value.length > rule.max) errors.push(`${name} has ${value.length} elements; at most ${rule.max} are allowed`);
        continue;
      }
      value.forEach((element, i) => {
        if (typeof element !== "string" || Token.isUnresolved(element)) return;
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

/** Returns what is wrong with one string value, or null. */
function checkRule(rule: AttributeValidation, value: string): string | null {
  switch (rule.kind) {
    case "pattern":
      return new RegExp(rule.pattern).test(value) ? null : `must be ${rule.description}`;
    case "one_of":
      return rule.values.includes(value) ? null : `must be one of ${rule.values.join(", ")}`;
    case "duration": {
      const ms = new RegExp(rule.pattern).test(value) ? parseDuration(value) : null;
      return ms !== null && ms > 0 ? null : "must be a positive duration such as 90d, 12h or 1y";
    }
    case "rfc3339":
      return RFC3339.test(value) && !Number.isNaN(Date.parse(value)) ? null : "must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z";
    case "url":
      return isHttpUrl(value) ? null : "must be an http(s) URL";
    case "max_length":
      return value.length <= rule.max ? null : `must be at most ${rule.max} characters`;
    case "max_items":
      return null;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
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
