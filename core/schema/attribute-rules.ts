import { parseDuration } from "../keys/expiry";
import type { AttributeValidation } from "./attribute-schema";

/**
 * The schema's validation rules, applied to one string value. Shared by the cdktf constructs (at synth)
 * and the Terraform plugin (at plan), so both refuse the same values with the same words. No cdktf
 * import here: the plugin must start fast.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Returns what is wrong with one string value, or null. */
export function checkRule(rule: AttributeValidation, value: string): string | null {
  switch (rule.kind) {
    case "pattern":
      return new RegExp(rule.pattern).test(value) ? null : `must be ${rule.description}`;
    case "one_of":
      return rule.values.includes(value) ? null : `must be one of ${rule.values.join(", ")}`;
    case "duration": {
      const ms = new RegExp(rule.pattern).test(value) ? parseDuration(value) : null;
      if (rule.max === undefined) return ms !== null && ms > 0 ? null : "must be a positive duration such as 90d, 12h or 1y";
      return ms !== null && ms > 0 && ms <= parseDuration(rule.max)! ? null : `must be a positive duration of at most ${rule.max}, such as 12h or 30m`;
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
