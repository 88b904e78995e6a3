import { isSet, type ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";
import { checkRule } from "../../core/schema/attribute-rules";
import type { AttributeSchema, BlockSchema } from "./schema";


/**
 * Checks a configuration against the rules its schema declares, as diagnostics on attribute paths.
 * Unknown values (references to what is not applied yet) are skipped; Terraform validates again once
 * they are known.
 */
export function validateBlock(schema: BlockSchema, config: ObjectValue): Diagnostic[] {
  const diags: Diagnostic[] = [];
  for (const attribute of schema.attributes) {
    if (!attribute.required && !attribute.optional) continue;
    const value = config[attribute.tfName];
    if (!isSet(value)) continue;
    diags.push(...checkValue(attribute, value));
    for (const other of attribute.conflictsWith ?? []) {
      if (attribute.tfName < other && isSet(config[other])) {
        diags.push(error(`Conflicting ${attribute.tfName} and ${other}`, `Set ${attribute.tfName} or ${other}, not both.`, other));
      }
    }
  }
  for (const group of schema.exactlyOneOf ?? []) {
    const given = group.filter((name) => config[name] !== null);
    if (given.length !== 1) {
      diags.push(error("Invalid attribute combination", `Exactly one of ${group.join(", ")} must be set${given.length ? ` (got ${given.join(", ")})` : ""}.`, given[1] ?? group[0]));
    }
  }
  for (const rule of schema.forbiddenWhen ?? []) {
    if (config[rule.attribute] !== rule.equals) continue;
    for (const forbidden of rule.forbids.filter((name) => isSet(config[name]))) {
      diags.push(error(`${forbidden} not allowed here`, `${forbidden} must not be set when ${rule.attribute} is "${rule.equals}": ${rule.reason}.`, forbidden));
    }
  }
  for (const rule of schema.requiredWith ?? []) {
    // An unknown partner will be known later; only a partner that is certainly absent is an error.
    if (isSet(config[rule.attribute]) && config[rule.requires] === null) {
      diags.push(error(`${rule.attribute} needs ${rule.requires}`, `${rule.attribute} only has an effect together with ${rule.requires}; set both or neither.`, rule.attribute));
    }
  }
  return diags;
}

function checkValue(attribute: AttributeSchema, value: string | string[] | number | boolean): Diagnostic[] {
  const name = attribute.tfName;
  const invalid = (detail: string) => error(`Invalid ${name}`, detail, name);
  if (attribute.type === "list(string)") {
    if (!Array.isArray(value)) return [invalid(`${name} must be a list of strings.`)];
    const diags: Diagnostic[] = [];
    for (const rule of attribute.validations) {
      if (rule.kind === "max_items") {
        if (value.length > rule.max) diags.push(invalid(`${name} has ${value.length} elements; at most ${rule.max} are allowed.`));
        continue;
      }
      value.forEach((element, i) => {
        const problem = checkRule(rule, element);
        if (problem) diags.push(invalid(`${name}[${i}] ${JSON.stringify(element)} ${problem}.`));
      });
    }
    return diags;
  }
  if (attribute.type === "number") return typeof value === "number" ? [] : [invalid(`${name} must be a number.`)];
  if (typeof value !== "string") return [invalid(`${name} must be a string.`)];
  return attribute.validations.flatMap((rule) => {
    const problem = checkRule(rule, value);
    return problem ? [invalid(`${name} ${JSON.stringify(value)} ${problem}.`)] : [];
  });
}

