import { splitTemplate } from "./expression";
import { canonical, PROVIDER_NAME, RESOURCE_TYPE, sortedKeys } from "./plan-values";
import type { DesiredConfig } from "./reconciler.types";

/**
 * The `configuration` block of Terraform's JSON plan: providers, resources (one per block, not per
 * instance), outputs, each argument as `{constant_value}` or `{references}`.
 */
export function buildConfiguration(desired: DesiredConfig): Record<string, unknown> {
  const providerConfig: Record<string, unknown> = {};
  for (const p of desired.providers) {
    const expressions: Record<string, unknown> = {};
    if (p.account !== null) expressions.account = { constant_value: p.account };
    if (p.endpoint !== null) expressions.endpoint = { constant_value: p.endpoint };
    const entry: Record<string, unknown> = { name: "keyform", full_name: PROVIDER_NAME };
    if (p.alias) entry.alias = p.alias;
    if (desired.providerVersionConstraint !== undefined) entry.version_constraint = desired.providerVersionConstraint;
    entry.expressions = expressions;
    providerConfig[p.key] = entry;
  }
  const resources: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (const r of desired.resources) {
    if (seen.has(r.resourceAddress)) continue;
    seen.add(r.resourceAddress);
    const entry: Record<string, unknown> = {
      address: r.resourceAddress,
      mode: "managed",
      type: RESOURCE_TYPE,
      name: r.name,
      provider_config_key: r.provider,
      expressions: expressionsOf(r.expressions),
      schema_version: 0,
    };
    if (r.countExpression !== undefined) entry.count_expression = expression(r.countExpression);
    if (r.forEachExpression !== undefined) entry.for_each_expression = expression(r.forEachExpression);
    const explicit = r.dependsOn.filter((d) => !d.includes("[") && d !== r.resourceAddress);
    if (explicit.length) entry.depends_on = explicit;
    resources.push(entry);
  }
  for (const d of desired.dataSources) {
    resources.push({
      address: d.address,
      mode: "data",
      type: RESOURCE_TYPE,
      name: d.name,
      provider_config_key: d.provider,
      expressions: expressionsOf(d.expressions),
      schema_version: 0,
    });
  }
  const outputs: Record<string, unknown> = {};
  for (const o of desired.outputs) {
    // Terraform's key order: sensitive, expression, description.
    const entry: Record<string, unknown> = {};
    if (o.sensitive) entry.sensitive = true;
    entry.expression = expression(o.rawExpression);
    if (o.description) entry.description = o.description;
    outputs[o.name] = entry;
  }
  return { provider_config: providerConfig, root_module: { outputs, resources } };
}

function expressionsOf(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(raw)) out[k] = expression(raw[k]);
  return out;
}

/**
 * `{constant_value, references?}`: Terraform evaluates a JSON-syntax expression without a context for
 * `constant_value`, which leaves `${…}` templates as their literal strings, so every argument of a
 * `*.tf.json` has a `constant_value` (the JSON as written) and, when it refers to anything, `references`
 * (Terraform lists `a.b.c` then `a.b`).
 */
function expression(raw: unknown): Record<string, unknown> {
  const refs: string[] = [];
  collectRefs(raw, refs);
  if (!refs.length) return { constant_value: canonical(raw) };
  return { constant_value: canonical(raw), references: [...new Set(refs)] };
}

/**
 * A traversal such as `keyform_api_key.k["a"].name`. Starts only where an identifier starts and keeps
 * brackets unnested: without both, a long identifier or an unclosed `[` made matching quadratic (a
 * 30,000-character expression took most of a second).
 */
const REFERENCE = /(?<![A-Za-z0-9_-])(?:data\.)?[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[[^\[\]]*\])+/g;

function collectRefs(raw: unknown, out: string[]): void {
  if (typeof raw === "string") {
    let parts;
    try {
      parts = splitTemplate(raw);
    } catch {
      return;
    }
    for (const p of parts) {
      if (!("expr" in p)) continue;
      for (const m of p.expr.matchAll(REFERENCE)) {
        const ref = m[0];
        if (/^(toset|tolist)\b/.test(ref)) continue;
        out.push(ref);
        const segments = ref.split(".");
        if (segments.length > 2 && !ref.startsWith("var.") && !ref.startsWith("each.") && !ref.startsWith("count.")) {
          out.push(segments.slice(0, segments.length - 1).join("."));
        }
      }
    }
  } else if (Array.isArray(raw)) {
    for (const x of raw) collectRefs(x, out);
  } else if (raw && typeof raw === "object") {
    for (const k of sortedKeys(raw)) collectRefs((raw as Record<string, unknown>)[k], out);
  }
}
