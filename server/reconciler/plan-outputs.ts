import type { PlanNode } from "./plan-resource";
import { deepEqual, effectiveStatus, iso, valueEqual } from "./plan-values";
import type {
  AttributeRef,
  CurrentState,
  DesiredConfig,
  Diagnostic,
  KeyValues,
  OutputChangeEntry,
  OutputExpression,
  PlannedOutput,
  StateResource,
} from "./reconciler.types";

/** A reference's value where an output is evaluated: `known` false when it is not known (yet). */
export interface OutputRefValue {
  known: boolean;
  value?: unknown;
}

/**
 * keyform's one output evaluator: the value of an output expression, given each reference's value (at
 * plan time, `planOutputs`; after an apply, `appliedOutputs`). Known only when every reference is known;
 * a template's references are all read (the plan notes each one's sensitivity and change), a known
 * null or absent value standing as "".
 */
export function evaluateOutput(e: OutputExpression, valueOf: (ref: AttributeRef) => OutputRefValue): OutputRefValue {
  if (e.kind === "literal") return { known: true, value: e.value };
  if (e.kind === "ref") return valueOf(e.ref);
  let known = true;
  let text = "";
  for (const part of e.parts) {
    if (typeof part === "string") {
      text += part;
      continue;
    }
    const r = valueOf(part);
    known &&= r.known;
    text += String(r.value ?? "");
  }
  return { known, value: text };
}

/** An output's value after an apply: `value` only where `available`. */
export interface AppliedOutput {
  name: string;
  sensitive: boolean;
  value?: unknown;
  available: boolean;
}

/** Output values after an apply: secrets only for keys this apply created or regenerated. */
export function appliedOutputs(outputs: PlannedOutput[], resources: StateResource[], secrets: Map<string, string>): AppliedOutput[] {
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const attr = (ref: AttributeRef, planned: PlannedOutput): OutputRefValue => {
    if (ref.address.startsWith("data.")) return planned.known ? { known: true, value: planned.value } : { known: false };
    if (ref.attribute === "secret") return secrets.has(ref.address) ? { known: true, value: secrets.get(ref.address) } : { known: false };
    const r = byAddress.get(ref.address);
    if (!r) return { known: false };
    if (ref.attribute === "id") return { known: true, value: r.keyId };
    if (ref.attribute === "account") return { known: true, value: r.account };
    if (ref.attribute && ref.attribute in r.attributes) return { known: true, value: (r.attributes as Record<string, unknown>)[ref.attribute] };
    return { known: false };
  };
  return outputs.map((o) => {
    if (o.known) return { name: o.name, sensitive: o.sensitive, value: o.value, available: true };
    const v = evaluateOutput(o.expression, (ref) => attr(ref, o));
    return v.known ? { name: o.name, sensitive: o.sensitive, value: v.value, available: true } : { name: o.name, sensitive: o.sensitive, available: false };
  });
}

interface RefValue {
  known: boolean;
  value?: unknown;
  sensitive: boolean;
  /** Known to exist but never shown: the secret of a key this plan leaves alone. */
  withheld: boolean;
  changed: boolean;
}

type OutputValues = Record<string, { sensitive: boolean; value?: unknown }>;

/** Reads data sources and works out every output's planned value and change. */
export function planOutputs(
  desired: DesiredConfig,
  current: CurrentState,
  nodes: Map<string, PlanNode>,
  opts: { destroy: boolean },
  now: number,
): {
  dataValues: Record<string, Partial<KeyValues>>;
  outputs: PlannedOutput[];
  outputChanges: Record<string, OutputChangeEntry>;
  plannedOutputs: OutputValues;
  priorOutputs: OutputValues;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const dataValues: Record<string, Partial<KeyValues>> = {};
  if (!opts.destroy) {
    for (const d of desired.dataSources) {
      const key =
        "id" in d.by
          ? current.lookups.byId[d.by.id]
          : d.account !== null
            ? current.lookups.byName[`${d.account}/${d.by.name}`]
            : undefined;
      if (!key || (d.account !== null && key.account !== d.account)) {
        const what = "id" in d.by ? `with id ${d.by.id}` : `named ${JSON.stringify(d.by.name)}`;
        diagnostics.push({ severity: "error", summary: "Key not found", detail: `No key ${what} exists in account ${d.account ?? "(any)"}.`, address: d.address, code: "NOT_FOUND" });
        continue;
      }
      dataValues[d.address] = {
        account: key.account,
        created_at: iso(key.createdAt),
        expires_at: iso(key.expiresAt),
        expires_in: key.expiresIn,
        id: key.id,
        last_used_at: iso(key.lastUsedAt),
        masked: key.masked,
        name: key.name,
        scopes: [...key.scopes].sort(),
        status: effectiveStatus(key, now),
        type: key.type,
      };
    }
  }

  const refValue = (ref: AttributeRef): RefValue | null => {
    const attr = ref.attribute ?? "";
    if (ref.address.startsWith("data.")) {
      const dv = dataValues[ref.address];
      return dv ? { known: true, value: (dv as Record<string, unknown>)[attr] ?? null, sensitive: false, withheld: false, changed: false } : { known: false, sensitive: false, withheld: false, changed: false };
    }
    const n = nodes.get(ref.address);
    if (!n || !n.selected) return null;
    if (!n.after) return { known: false, sensitive: attr === "secret", withheld: false, changed: true };
    const fresh = n.action === "create" || n.action === "replace";
    if (attr === "secret") return { known: false, sensitive: true, withheld: !fresh, changed: fresh };
    if (n.unknown.includes(attr)) return { known: false, sensitive: false, withheld: false, changed: true };
    const value = n.after[attr as keyof KeyValues];
    const changed = !n.before || !valueEqual(attr, n.before[attr as keyof KeyValues], value);
    return { known: true, value, sensitive: false, withheld: false, changed };
  };

  const prior = current.state?.outputs ?? {};
  const priorOutputs: OutputValues = {};
  for (const name of Object.keys(prior).sort()) {
    priorOutputs[name] = prior[name].sensitive ? { sensitive: true } : { sensitive: false, value: prior[name].value };
  }

  const outputs: PlannedOutput[] = [];
  const outputChanges: Record<string, OutputChangeEntry> = {};
  const plannedOutputs: OutputValues = {};
  const declared = new Set<string>();
  for (const o of opts.destroy ? [] : desired.outputs) {
    declared.add(o.name);
    const e = o.expression;
    let withheld = false;
    let changed = false;
    let sensitiveSource = false;
    let skip = false;
    const use = (ref: AttributeRef): OutputRefValue => {
      const r = refValue(ref);
      if (!r) {
        skip = true;
        return { known: true };
      }
      withheld ||= r.withheld;
      changed ||= r.changed;
      sensitiveSource ||= r.sensitive;
      return r;
    };
    const { known, value } = evaluateOutput(e, use);
    if (skip) continue; // targeting left a referenced object out of this plan
    if (sensitiveSource && !o.sensitive) {
      diagnostics.push({
        severity: "error",
        summary: "Output refers to sensitive values",
        detail:
          "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
        address: `output.${o.name}`,
      });
    }
    const isKnown = known && !withheld;
    const before = prior[o.name];
    const after = isKnown ? value : null;
    let actions: string[];
    if (!before) actions = ["create"];
    else if (changed || before.sensitive !== o.sensitive || (isKnown && !before.sensitive && !deepEqual(before.value, after))) actions = ["update"];
    else actions = ["no-op"];
    outputChanges[o.name] = {
      actions,
      before: before ? (before.sensitive ? null : before.value) : null,
      after,
      after_unknown: !known && !withheld,
      before_sensitive: before?.sensitive ?? false,
      after_sensitive: o.sensitive,
    };
    plannedOutputs[o.name] = isKnown ? { sensitive: o.sensitive, value } : { sensitive: o.sensitive };
    const planned: PlannedOutput = { name: o.name, sensitive: o.sensitive, expression: e, known: isKnown };
    if (isKnown) planned.value = value;
    outputs.push(planned);
  }
  for (const name of Object.keys(prior).sort()) {
    if (declared.has(name)) continue;
    outputChanges[name] = {
      actions: ["delete"],
      before: prior[name].sensitive ? null : prior[name].value,
      after: null,
      after_unknown: false,
      before_sensitive: prior[name].sensitive,
      after_sensitive: false,
    };
  }
  const sortedChanges: Record<string, OutputChangeEntry> = {};
  for (const k of Object.keys(outputChanges).sort()) sortedChanges[k] = outputChanges[k];
  return { dataValues, outputs, outputChanges: sortedChanges, plannedOutputs, priorOutputs, diagnostics };
}
