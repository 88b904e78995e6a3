import { ErrorCode } from "../errors";
import { legacyViolation } from "../keys/spec";
import type { Violation } from "../violation";
import { checkRule } from "./attribute-rules";
import type { AttributeSchema, BlockSchema } from "./attribute-schema";
import { argumentsOf } from "./attribute-schema";

/**
 * The schema's rules applied to one block's arguments (keyed by Terraform name), as violations: the one
 * check behind the cdktf constructs' synth-time validation (provider/validate.ts) and the Terraform
 * provider plugin's ValidateResourceConfig (provider/plugin/schema-validation.ts). Each violation carries
 * the code and argument keyform's REST API and reconciler name for the same refusal, a Terraform-style
 * summary and detail (the plugin's diagnostic), and `message`, the constructs' one-line wording.
 */
export interface ArgumentViolation extends Violation {
  readonly field: string;
  readonly message: string;
}

export interface ArgumentValues {
  /** The value of an argument; `undefined` or `null` when configuration leaves it out. */
  readonly [tfName: string]: unknown;
}

export interface ArgumentCheckOptions {
  /** A value only known later (a cdktf token, a Terraform unknown): set, but not judged now. */
  readonly deferred: (value: unknown) => boolean;
}

const absent = (v: unknown) => v === undefined || v === null;

export function checkArguments(schema: BlockSchema, values: ArgumentValues, opts: ArgumentCheckOptions): ArgumentViolation[] {
  const out: ArgumentViolation[] = [];
  const isSet = (tfName: string) => !absent(values[tfName]);
  const isKnownSet = (tfName: string) => isSet(tfName) && !opts.deferred(values[tfName]);
  const refuse = (field: string, summary: string, detail: string, message: string, code: ErrorCode = ErrorCode.VALIDATION_FAILED) =>
    out.push({ code, field, summary, detail, message });

  for (const attribute of argumentsOf(schema)) {
    const value = values[attribute.tfName];
    if (absent(value)) {
      if (attribute.required) {
        refuse(attribute.tfName, "Missing required argument", `The argument "${attribute.tfName}" is required, but no definition was found.`, `${attribute.tfName} is required`);
      }
      continue;
    }
    if (opts.deferred(value)) continue;
    out.push(...checkValue(schema, attribute, value, opts));
    for (const other of attribute.conflictsWith ?? []) {
      // Reported once per pair, on the first argument by name (as core/keys/expiry does for expires_in and expires_at).
      if (attribute.tfName < other && isKnownSet(other)) {
        refuse(attribute.tfName, `Conflicting ${attribute.tfName} and ${other}`, `Set ${attribute.tfName} or ${other}, not both.`, `${attribute.tfName} conflicts with ${other}: set only one`);
      }
    }
  }
  for (const group of schema.exactlyOneOf ?? []) {
    const given = group.filter(isSet);
    if (given.length !== 1) {
      const got = given.length ? ` (got ${given.join(", ")})` : "";
      refuse(given[1] ?? group[0], "Invalid attribute combination", `Exactly one of ${group.join(", ")} must be set${got}.`, `exactly one of ${group.join(", ")} must be set${got}`);
    }
  }
  for (const rule of schema.forbiddenWhen ?? []) {
    if (values[rule.attribute] !== rule.equals) continue;
    for (const forbidden of rule.forbids.filter(isKnownSet)) {
      const text = `${forbidden} must not be set when ${rule.attribute} is "${rule.equals}": ${rule.reason}`;
      refuse(forbidden, `${forbidden} not allowed here`, `${text}.`, text);
    }
  }
  for (const rule of schema.requiredWith ?? []) {
    // A deferred partner will be known later; only a partner that is certainly absent is an error.
    if (isSet(rule.attribute) && absent(values[rule.requires])) {
      refuse(rule.attribute, `${rule.attribute} needs ${rule.requires}`, `${rule.attribute} only has an effect together with ${rule.requires}; set both or neither.`, `${rule.attribute} needs ${rule.requires}`);
    }
  }
  return out;
}

function checkValue(schema: BlockSchema, attribute: AttributeSchema, value: unknown, opts: ArgumentCheckOptions): ArgumentViolation[] {
  const name = attribute.tfName;
  const invalid = (message: string): ArgumentViolation => ({ code: ErrorCode.VALIDATION_FAILED, field: name, summary: `Invalid ${name}`, detail: `${message}.`, message });
  if (attribute.type === "list(string)") {
    if (!Array.isArray(value)) return [invalid(`${name} must be a list of strings`)];
    const out: ArgumentViolation[] = [];
    value.forEach((element, i) => {
      if (typeof element !== "string" && !opts.deferred(element)) out.push(invalid(`${name}[${i}] ${JSON.stringify(element)} must be a string`));
    });
    for (const rule of attribute.validations) {
      if (rule.kind === "max_items") {
        if (value.length > rule.max) out.push(invalid(`${name} has ${value.length} elements; at most ${rule.max} are allowed`));
        continue;
      }
      value.forEach((element, i) => {
        if (typeof element !== "string" || opts.deferred(element)) return;
        const problem = checkRule(rule, element);
        if (problem) out.push(invalid(`${name}[${i}] ${JSON.stringify(element)} ${problem}`));
      });
    }
    return out;
  }
  if (attribute.type === "number") return typeof value === "number" ? [] : [invalid(`${name} must be a number`)];
  if (typeof value !== "string") return [invalid(`${name} must be a string`)];
  return attribute.validations.flatMap((rule) => {
    const problem = checkRule(rule, value);
    if (!problem) return [];
    // A legacy key is a type keyform knows but never creates: refused as the key operations refuse it.
    const legacy = schema.typeName === "keyform_api_key" && name === "type" && value === "legacy" ? legacyViolation() : null;
    if (legacy) return [{ ...legacy, field: name, message: `${name} ${JSON.stringify(value)} ${problem}` }];
    return [invalid(`${name} ${JSON.stringify(value)} ${problem}`)];
  });
}
