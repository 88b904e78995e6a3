import type { AttributeRef, DeferredString } from "./reconciler.types";

/**
 * Attributes of another key that a name known only after apply may be built from: what apply knows
 * of a key it creates before writing it (its id is chosen first), or of a key it already holds.
 */
export const APPLY_KNOWN = ["id", "account", "name", "type", "created_at"];

/** The string, once every reference in it is known (`lookup` answers undefined for one still unknown); else null. */
export function resolveDeferred(parts: DeferredString, lookup: (ref: AttributeRef) => unknown): string | null {
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") {
      out += p;
      continue;
    }
    const v = lookup(p);
    if (v === undefined || v === null || typeof v === "object") return null;
    out += String(v);
  }
  return out;
}

/** `svc-${keyform_api_key.deploy.id}`: how a deferred string reads in a diagnostic. */
export function describeDeferred(parts: DeferredString): string {
  return parts.map((p) => (typeof p === "string" ? p.replace(/\$\{/g, "$${") : `\${${p.address}.${p.attribute}}`)).join("");
}
