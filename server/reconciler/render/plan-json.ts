import { apiKeySchema } from "../../../core/schema/api-key.schema";
import type { OutputChangeEntry, Plan, ResourceChangeEntry, ValuesResource } from "../reconciler.types";

/**
 * The version keyform claims to be. Plan readers (terraform-unidiff, infracost, Atlantis-style bots)
 * check `terraform_version` to pick a parser; 1.11 writes JSON plan format 1.2 — the format this file
 * emits — and is the Terraform our machines carry, so tools see a version they know.
 */
export const TERRAFORM_VERSION = "1.11.0";
export const PLAN_FORMAT_VERSION = "1.2";
export const STATE_FORMAT_VERSION = "1.0";

export interface PlanJsonMeta {
  terraformVersion?: string;
}

type Obj = Record<string, unknown>;
type Tf = Plan["terraform"];
type OutputValue = { sensitive: boolean; value?: unknown };

/**
 * Terraform's JSON plan (`terraform show -json PLANFILE`) for a keyform plan, as Terraform 1.11 writes it
 * for the same changes made through terraform-provider-keyform (test/reconciler/plan-json.terraform-parity
 * compares the two field by field). Never holds a secret: where Terraform writes a known secret (a
 * resource's `secret`, a sensitive output's value), keyform leaves the member out.
 */
export function renderPlanJson(plan: Plan, meta: PlanJsonMeta = {}): Obj {
  const tf = terraformView(plan.terraform);
  const version = meta.terraformVersion ?? TERRAFORM_VERSION;
  const doc: Obj = {
    format_version: PLAN_FORMAT_VERSION,
    terraform_version: version,
    planned_values: { outputs: tf.plannedValues.outputs, root_module: rootModule(tf.plannedValues.resources) },
  };
  // Terraform leaves out an empty resource_drift and relevant_attributes.
  if (tf.resourceDrift.length) doc.resource_drift = tf.resourceDrift;
  doc.resource_changes = tf.resourceChanges;
  doc.output_changes = tf.outputChanges;
  doc.prior_state = {
    format_version: STATE_FORMAT_VERSION,
    terraform_version: version,
    values: { outputs: tf.priorState!.outputs, root_module: rootModule(tf.priorState!.resources) },
  };
  doc.configuration = tf.configuration;
  const relevant = relevantAttributes(tf);
  if (relevant.length) doc.relevant_attributes = relevant;
  doc.timestamp = new Date(plan.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  doc.applyable = !plan.errored && plan.hasChanges;
  doc.complete = true;
  doc.errored = plan.errored;
  return doc;
}

/** `{resources}`, or `{}` as Terraform writes a module without resources. */
function rootModule(resources: ValuesResource[]): Obj {
  return resources.length ? { resources } : {};
}

// ---------------------------------------------------------------- values as the provider shows them

/** The resource's attributes, exactly the provider schema's (core/schema), in Terraform's (sorted) order. */
const ATTRIBUTES: readonly string[] = apiKeySchema.attributes.map((a) => a.tfName as string).sort();
const SENSITIVE: readonly string[] = apiKeySchema.attributes.filter((a) => "sensitive" in a && a.sensitive).map((a) => a.tfName as string).sort();
/** Write-only arguments: always null in Terraform's plan and state. */
const WRITE_ONLY: ReadonlySet<string> = new Set(apiKeySchema.attributes.filter((a) => "writeOnly" in a && a.writeOnly).map((a) => a.tfName as string));
/** Computed-only attributes: the provider plans every one unknown for a new key (provider/plugin/api-key.resource.ts planCreate). */
const SERVER_COMPUTED: readonly string[] = apiKeySchema.attributes.filter((a) => a.computed && !a.optional).map((a) => a.tfName as string);

/**
 * An object of the schema's attributes: known ones from `v`, unknown ones left out, write-only ones null.
 * `secret` is never written (keyform never holds it; Terraform would show its value, or null for an
 * imported key). Attributes keyform adds for itself (`status`) are not the schema's and are dropped.
 */
function schemaValues(v: unknown, unknown: ReadonlySet<string> = new Set()): Obj | null {
  if (!v || typeof v !== "object") return null;
  const src = v as Obj;
  const out: Obj = {};
  for (const a of ATTRIBUTES) {
    if (a === "secret" || unknown.has(a)) continue;
    out[a] = WRITE_ONLY.has(a) ? null : (src[a] ?? null);
  }
  return out;
}

/**
 * Terraform's `*_sensitive` object: lists carry one `false` per element, sensitive attributes `true`;
 * `marked`: attributes the configuration made sensitive (built from a sensitive variable), `true` whole.
 */
function sensitiveOf(values: Obj | null, withSchemaMarks = true, marked: ReadonlySet<string> = new Set()): Obj | false {
  if (!values) return false;
  const out: Obj = {};
  for (const a of ATTRIBUTES) {
    if (marked.has(a) && a in values) out[a] = true;
    else if (Array.isArray(values[a])) out[a] = (values[a] as unknown[]).map(() => false);
    else if (withSchemaMarks && SENSITIVE.includes(a)) out[a] = true;
  }
  return out;
}

/**
 * Terraform's `after_unknown`: `{}` when the whole value is known; otherwise `true` for unknown
 * attributes and, for the known lists, one `false` per element (known scalars are left out).
 */
function unknownOf(after: Obj | null, unknown: ReadonlySet<string>): Obj {
  if (!after || unknown.size === 0) return {};
  const out: Obj = {};
  for (const a of ATTRIBUTES) {
    if (unknown.has(a)) out[a] = true;
    else if (Array.isArray(after[a])) out[a] = (after[a] as unknown[]).map(() => false);
  }
  return out;
}

/** The attributes an `after_unknown` marks `true`. */
function unknownSet(shape: unknown): Set<string> {
  const out = new Set<string>();
  if (shape && typeof shape === "object") for (const [k, v] of Object.entries(shape)) if (v === true) out.add(k);
  return out;
}

/** The configured arguments (`{constant_value, references?}`) of each managed resource block, by block address. */
function configuredBlocks(configuration: Obj): Map<string, Record<string, Obj>> {
  const resources = ((configuration.root_module as Obj | undefined)?.resources ?? []) as Obj[];
  const out = new Map<string, Record<string, Obj>>();
  for (const r of resources) if (r.mode === "managed") out.set(r.address as string, (r.expressions ?? {}) as Record<string, Obj>);
  return out;
}

/** A resource instance's block address: `keyform_api_key.k["a"]` → `keyform_api_key.k`. */
const blockOf = (address: string): string => address.replace(/\[[^\]]*\]$/, "");

/**
 * What the provider leaves unknown when it plans a new key (create, or the create half of a replace,
 * which Terraform plans with no prior state): the server-computed attributes, and the optional computed
 * arguments the configuration leaves out and that have no fixed default (planCreate). Depends only on
 * the configuration, so a plan read back from its stored document gives the same answer.
 */
function providerCreateUnknown(after: Obj, configured: Record<string, Obj> | null): Set<string> {
  const out = new Set<string>(SERVER_COMPUTED);
  if (after.rotate_every === null || after.rotate_every === undefined) out.delete("rotation_due_at");
  if (!configured) return out;
  const expiresIn = "expires_in" in configured;
  const expiresAt = "expires_at" in configured;
  if (!expiresIn && !expiresAt) out.add("expires_in");
  const never = expiresIn && configured.expires_in.constant_value === "never" && !configured.expires_in.references;
  if (!expiresAt && !never) out.add("expires_at");
  return out;
}

function isCreate(actions: readonly string[]): boolean {
  return actions.includes("create");
}

interface ChangeView {
  entry: ResourceChangeEntry;
  after: Obj | null;
  unknown: Set<string>;
  /** Attributes of `after` the configuration made sensitive (not the schema's sensitive ones). */
  marked: Set<string>;
}

function resourceChange(e: ResourceChangeEntry, blocks: Map<string, Record<string, Obj>>): ChangeView {
  const c = e.change;
  const keyformUnknown = unknownSet(c.after_unknown);
  const unknown = c.after && isCreate(c.actions) ? new Set([...keyformUnknown, ...providerCreateUnknown(c.after as Obj, blocks.get(blockOf(e.address)) ?? null)]) : keyformUnknown;
  const marked = new Set([...unknownSet(c.after_sensitive)].filter((a) => !SENSITIVE.includes(a)));
  const before = schemaValues(c.before);
  const after = schemaValues(c.after, unknown);
  const change: Obj = {
    actions: c.actions, before, after, after_unknown: unknownOf(after, unknown), before_sensitive: sensitiveOf(before), after_sensitive: sensitiveOf(after, true, marked),
  };
  for (const k of Object.keys(c)) if (!(k in change)) change[k] = (c as unknown as Obj)[k];
  return { entry: { ...e, change: change as unknown as ResourceChangeEntry["change"] }, after, unknown, marked };
}

/** The `planned_values` entry of a change that keyform's plan did not list (an imported key left as it is). */
function plannedResource(e: ResourceChangeEntry): ValuesResource {
  const r = { address: e.address, mode: e.mode, type: e.type, name: e.name } as ValuesResource;
  if (e.index !== undefined) r.index = e.index;
  r.provider_name = e.provider_name;
  r.schema_version = 0;
  return r;
}

function valuesResource(r: ValuesResource, values: Obj | null, sensitive: Obj | false): ValuesResource {
  return { ...r, values: (values ?? {}) as ValuesResource["values"], sensitive_values: (sensitive || {}) as ValuesResource["sensitive_values"] };
}

// ---------------------------------------------------------------- outputs

/** Terraform's type constraint of a known JSON value, as `terraform output -json` and the plan write it. */
function ctyType(v: unknown): unknown {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return ["tuple", v.map(ctyType)];
  if (v && typeof v === "object") return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ctyType(x)]))];
  return "dynamic";
}

/**
 * A planned output: `{sensitive, type, value}` when known. keyform withholds a known secret (a key this
 * plan leaves alone): Terraform would show its value; keyform keeps `type` (a secret is a string) only.
 */
function plannedOutput(o: OutputValue, change: OutputChangeEntry | undefined, stored = false): Obj {
  // A stored output (prior state) is known; without a value it is a withheld secret.
  const known = change ? change.after_unknown === false && !change.actions.includes("delete") : stored || "value" in o;
  if (!known) return { sensitive: o.sensitive };
  if (!("value" in o)) return { sensitive: o.sensitive, type: "string" };
  return { sensitive: o.sensitive, type: ctyType(o.value), value: o.value };
}

function outputChange(name: string, c: OutputChangeEntry, prior: Record<string, OutputValue>, planned: Record<string, OutputValue>): Obj {
  const out: Obj = { actions: c.actions };
  const p = prior[name];
  // A withheld secret (known, never shown) is left out, where Terraform would write its value.
  // (A change read back from a stored document has no member where one was withheld.)
  const has = (k: string) => Object.prototype.hasOwnProperty.call(c, k);
  const beforeWithheld = !has("before") || (p !== undefined && p.sensitive && !("value" in p));
  const afterWithheld = (!has("after") && !c.after_unknown) || (!c.after_unknown && !c.actions.includes("delete") && planned[name] !== undefined && planned[name].sensitive && !("value" in planned[name]));
  if (!beforeWithheld) out.before = c.before ?? null;
  if (!c.after_unknown && !afterWithheld) out.after = c.after ?? null;
  out.after_unknown = c.after_unknown;
  // A sensitive output is marked so on both sides, also on the null before a create.
  out.before_sensitive = c.before_sensitive || (c.after_sensitive && c.actions.includes("create"));
  out.after_sensitive = c.after_sensitive || (c.before_sensitive && c.actions.includes("delete"));
  return out;
}

// ---------------------------------------------------------------- the view

/**
 * The plan's Terraform pieces as Terraform's JSON plan shows them. Idempotent: a stored plan (read back
 * from this document, plan.repository.ts) gives the same view again.
 */
export function terraformView(tf: Tf): Tf {
  const blocks = configuredBlocks(tf.configuration);
  const changes = tf.resourceChanges.map((e) => resourceChange(e, blocks));
  const byAddress = new Map(changes.map((c) => [c.entry.address, c]));
  const planned = new Map(tf.plannedValues.resources.map((r) => [r.address, r]));
  // Every resource the plan leaves in place has a planned value, an imported one too; sorted by address as Terraform writes them.
  const addresses = [...new Set([...planned.keys(), ...changes.filter((c) => c.after !== null).map((c) => c.entry.address)])].sort();
  const resources = addresses.map((address) => {
    const c = byAddress.get(address);
    const r = planned.get(address) ?? plannedResource(c!.entry);
    if (!c) {
      const v = schemaValues(r.values);
      return valuesResource(r, v, sensitiveOf(v));
    }
    // Terraform's planned value of a replacement carries only the configuration's marks, not the schema's.
    const replacing = c.entry.change.actions.length === 2;
    return valuesResource(r, c.after, sensitiveOf(c.after, !replacing, c.marked));
  });
  const priorOutputs = tf.priorState?.outputs ?? {};
  const outputs: Record<string, Obj> = {};
  for (const [name, o] of Object.entries(tf.plannedValues.outputs)) outputs[name] = plannedOutput(o, tf.outputChanges[name]);
  const outputChanges: Record<string, Obj> = {};
  for (const [name, c] of Object.entries(tf.outputChanges)) outputChanges[name] = outputChange(name, c, priorOutputs, tf.plannedValues.outputs);
  // Terraform's prior state holds the outputs as evaluated during the plan where known, else as they were.
  const stateOutputs: Record<string, Obj> = {};
  for (const name of [...new Set([...Object.keys(outputs), ...Object.keys(priorOutputs)])].sort()) {
    const o = outputs[name] && "type" in outputs[name] ? outputs[name] : priorOutputs[name] ? plannedOutput(priorOutputs[name], undefined, true) : undefined;
    if (o && "type" in o) stateOutputs[name] = { sensitive: o.sensitive, ...("value" in o ? { value: o.value } : {}), type: o.type };
  }
  const prior = new Map((tf.priorState?.resources ?? []).map((r) => [r.address, r]));
  // Terraform imports during the plan: an imported key is in the prior state, as read.
  for (const c of changes) {
    if (c.entry.change.importing && c.entry.change.before && !prior.has(c.entry.address)) {
      prior.set(c.entry.address, { ...plannedResource(c.entry), values: c.entry.change.before } as ValuesResource);
    }
  }
  const priorResources = [...prior.keys()].sort().map((address) => {
    const r = prior.get(address)!;
    const v = schemaValues(r.values);
    return valuesResource(r, v, sensitiveOf(v));
  });
  return {
    ...tf,
    resourceDrift: tf.resourceDrift.map((e) => resourceChange(e, blocks).entry),
    resourceChanges: changes.map((c) => c.entry),
    outputChanges: outputChanges as unknown as Tf["outputChanges"],
    plannedValues: { outputs: outputs as Tf["plannedValues"]["outputs"], resources },
    priorState: { outputs: stateOutputs as Tf["plannedValues"]["outputs"], resources: priorResources },
  };
}

/**
 * Terraform's `relevant_attributes`: the resource attributes that the changed resources and outputs
 * refer to, directly or through the resources they refer to, sorted.
 */
function relevantAttributes(tf: Tf): Array<{ resource: string; attribute: string[] }> {
  const root = (tf.configuration.root_module ?? {}) as Obj;
  const outputs = (root.outputs ?? {}) as Record<string, Obj>;
  const resources = new Map(((root.resources ?? []) as Obj[]).map((r) => [r.address as string, r]));
  const refsOf = (exprs: unknown[]): string[] =>
    exprs.flatMap((e) => (e && typeof e === "object" && Array.isArray((e as Obj).references) ? ((e as Obj).references as string[]) : []));
  const resourceRefs = (address: string): string[] => {
    const r = resources.get(blockOf(address));
    return r ? refsOf(Object.values((r.expressions ?? {}) as Obj)) : [];
  };
  const pending: string[] = [];
  for (const c of tf.resourceChanges) if (c.change.actions[0] !== "no-op") pending.push(...resourceRefs(c.address));
  for (const [name, c] of Object.entries(tf.outputChanges)) if (c.actions[0] !== "no-op" && outputs[name]) pending.push(...refsOf([outputs[name].expression]));
  const seen = new Set<string>();
  const found = new Map<string, { resource: string; attribute: string[] }>();
  while (pending.length) {
    const ref = pending.pop()!;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const m = /^((?:data\.)?[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\]]*\])?)(?:\.([A-Za-z_][A-Za-z0-9_-]*))?$/.exec(ref);
    if (!m || ref.startsWith("var.") || ref.startsWith("local.")) continue;
    const [, resource, attribute] = m;
    pending.push(...resourceRefs(resource));
    if (attribute) found.set(`${resource}\u0000${attribute}`, { resource, attribute: [attribute] });
  }
  return [...found.keys()].sort().map((k) => found.get(k)!);
}
