import { apiKeyDataSourceSchema, apiKeySchema } from "../../core/schema/api-key.schema";
import { argumentsOf, type ArgumentTfName } from "../../core/schema/attribute-schema";
import { DEFAULT_LIMITS, type EvaluationLimits, LimitError, limitNote } from "./evaluation-limits";
import { type Expr, ExpressionError, ForeignReferenceError, indexSuffix, parseExpression, splitTemplate, type Step } from "./expression";
import { quoted } from "./render/safe-text";
import type { AttributeRef } from "./reconciler.types";

/**
 * Evaluation of `${…}` templates inside Terraform JSON configuration: variables, locals, count/each,
 * and references to keyform objects — kept symbolic in outputs, resolved to configured values in
 * arguments. Anything else throws ExpressionError, which the parser turns into a diagnostic.
 */

export const RESOURCE_TYPE = "keyform_api_key";
/** Arguments of keyform_api_key; references to them resolve to their configured values. */
/**
 * Arguments of keyform_api_key, from the one schema (core/schema): references to them resolve to their
 * configured values. Write-only arguments are for the Terraform provider; the reconciler refuses them.
 */
const writeOnly = new Set(argumentsOf(apiKeySchema).filter((a) => a.writeOnly).map((a) => a.tfName));
/** Write-only arguments and those that only make sense with one (`secret_wo_version` needs `secret_wo`). */
export const WRITE_ONLY_ARGUMENTS = argumentsOf(apiKeySchema)
  .filter((a) => writeOnly.has(a.tfName) || apiKeySchema.requiredWith.some((r) => r.attribute === a.tfName && writeOnly.has(r.requires)))
  .map((a) => a.tfName);
export const ARGUMENTS = argumentsOf(apiKeySchema).filter((a) => !WRITE_ONLY_ARGUMENTS.includes(a.tfName)).map((a) => a.tfName as Argument).sort();
export type Argument = Exclude<ArgumentTfName<typeof apiKeySchema>, "secret_wo" | "secret_wo_version">;
/** Every attribute of the resource schema, arguments and computed (write-only ones cannot be read). */
export const ATTRIBUTES = apiKeySchema.attributes.filter((a) => !("writeOnly" in a && a.writeOnly)).map((a) => a.tfName as string);
export const DATA_ATTRIBUTES = apiKeyDataSourceSchema.attributes.map((a) => a.tfName as string);
export const META_ARGUMENTS = ["//", "provider", "lifecycle", "depends_on", "count", "for_each"];

export type Json = Record<string, unknown>;

/** In an evaluation's dependencies: the value was built from this sensitive variable (`var.` + name). */
export const SENSITIVE_MARK = "var.";

export interface Instance {
  address: string;
  resourceName: string;
  index?: number | string;
  body: Json;
  count?: number;
  eachKey?: string;
  eachValue?: unknown;
}

export interface EvalCtx {
  address: string;
  count?: number;
  eachKey?: string;
  eachValue?: unknown;
  deps: Set<string>;
  /** "arguments": references resolve to configured values; "symbolic": they stay references (outputs). */
  mode: "arguments" | "symbolic";
}

export type Value = { known: true; value: unknown } | { known: false; ref: AttributeRef };

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A reference's evaluation, kept: its value and the objects it depends on, or the error it raised. */
type Memo = { value: unknown; deps: string[] } | { error: ExpressionError };

/** Strings cost one step per this many characters where the budget counts sizes. */
const CHARS_PER_STEP = 32;

/**
 * Each local and each instance argument is evaluated once, whatever refers to it (a chain of locals
 * that each refer to the next one twice costs one evaluation per local, not 2^n). Every evaluation is
 * bounded by `limits` (reference chain, nesting, steps); exceeding one throws LimitError.
 */
export abstract class ConfigEvaluator {
  protected variables: Record<string, unknown> = Object.create(null);
  /** Variables declared `sensitive = true`: what is built from them is shown as (sensitive value). */
  protected sensitiveVariables = new Set<string>();
  protected locals: Json = Object.create(null);
  protected instances = new Map<string, Instance>();
  protected resourceExpansion: Record<string, "single" | "count" | "for_each"> = {};
  protected dataNames = new Set<string>();
  /** References being resolved, outermost first: cycle detection and the chain limit. */
  protected resolving = new Set<string>();
  private readonly chain: string[] = [];
  private readonly localMemo = new Map<string, Memo>();
  private readonly argMemo = new Map<string, Memo>();
  private readonly measured = new WeakMap<object, { size: number; depth: number }>();
  private steps = 0;

  constructor(protected readonly limits: EvaluationLimits = DEFAULT_LIMITS) {}

  /** Spends `n` evaluation steps from the budget. */
  protected spend(n: number, address?: string): void {
    this.steps += n;
    if (this.steps > this.limits.maxSteps) {
      throw new LimitError(
        "maxSteps",
        "Evaluation budget exceeded",
        `Evaluating this configuration takes more than ${this.limits.maxSteps.toLocaleString("en-US")} steps (values and expressions evaluated, and the size of every value a reference returns); ${limitNote(this.limits, "maxSteps")}.`,
        address,
      );
    }
  }

  protected evalValue(raw: unknown, ctx: EvalCtx): unknown {
    this.spend(typeof raw === "string" ? 1 + Math.floor(raw.length / CHARS_PER_STEP) : 1, ctx.address);
    if (typeof raw === "string") {
      const v = this.evalTemplate(raw, ctx);
      if (!v.known) throw new ExpressionError(`the reference to ${describeRef(v.ref)} is not known until apply; only configured values can be used here.`);
      return v.value;
    }
    if (Array.isArray(raw)) return raw.map((x) => this.evalValue(x, ctx));
    if (isObject(raw)) {
      const out: Json = {};
      for (const k of Object.keys(raw)) if (k !== "//") out[k] = this.evalValue(raw[k], ctx);
      return out;
    }
    return raw;
  }

  protected evalTemplate(text: string, ctx: EvalCtx): Value {
    const parts = splitTemplate(text);
    if (parts.length === 1 && "expr" in parts[0]) return this.evalExpr(parseExpression(parts[0].expr, this.limits), ctx);
    let out = "";
    // Parts of a template holding a value known only after apply: literal text and references.
    let pending: Array<string | AttributeRef> | null = null;
    for (const part of parts) {
      if ("lit" in part) {
        out += part.lit;
        continue;
      }
      const v = this.evalExpr(parseExpression(part.expr, this.limits), ctx);
      if (!v.known) throw new ExpressionError(`the reference to ${describeRef(v.ref)} cannot be part of a string here.`);
      if (v.value instanceof UnknownValue) {
        pending ??= [];
        if (out) pending.push(out);
        out = "";
        for (const p of v.value.parts) {
          if (typeof p === "string" && typeof pending[pending.length - 1] === "string") pending[pending.length - 1] += p;
          else pending.push(p);
        }
        continue;
      }
      if (typeof v.value !== "string" && typeof v.value !== "number" && typeof v.value !== "boolean") {
        throw new ExpressionError(`${quoted(part.expr)} is not a string and cannot be interpolated.`);
      }
      const text = String(v.value);
      // Interpolating a long value into a template copies it: paid for by its length.
      this.spend(Math.floor(text.length / CHARS_PER_STEP), ctx.address);
      out += text;
    }
    if (pending) {
      if (out) {
        if (typeof pending[pending.length - 1] === "string") pending[pending.length - 1] += out;
        else pending.push(out);
      }
      return { known: true, value: new UnknownValue(pending) };
    }
    return { known: true, value: out };
  }

  protected evalExpr(expr: Expr, ctx: EvalCtx): Value {
    this.spend(1, ctx.address);
    switch (expr.kind) {
      case "string":
      case "number":
        return { known: true, value: expr.value };
      case "list":
        return { known: true, value: expr.items.map((i) => this.knownOnly(this.evalExpr(i, ctx))) };
      case "call": {
        if (expr.fn !== "toset" || expr.args.length !== 1) throw new ExpressionError(`function "${expr.fn}" is not supported; keyform evaluates only toset([...]).`);
        const list = this.knownOnly(this.evalExpr(expr.args[0], ctx));
        if (containsUnknown(list)) throw new ExpressionError(`toset() of ${unknownRefs(list).map(describeRef).join(", ")}: the value is known only after apply.`);
        if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) throw new ExpressionError("toset() needs a list of strings.");
        this.spend(list.length, ctx.address);
        return { known: true, value: new SetValue([...new Set(list as string[])].sort()) };
      }
      case "traversal":
        return this.evalTraversal(expr, ctx);
    }
  }

  protected knownOnly(v: Value): unknown {
    if (!v.known) throw new ExpressionError(`the reference to ${describeRef(v.ref)} cannot be used inside a list.`);
    return v.value;
  }

  protected evalTraversal(expr: Extract<Expr, { kind: "traversal" }>, ctx: EvalCtx): Value {
    const { root, steps } = expr;
    const attrAt = (i: number): string | undefined => {
      const s = steps[i];
      return s && "attr" in s ? s.attr : undefined;
    };
    switch (root) {
      case "var": {
        const name = attrAt(0);
        if (!name) throw new ExpressionError("invalid variable reference.");
        if (!Object.hasOwn(this.variables, name)) throw new ExpressionError(`no value for variable "${name}": declare it with a default.`);
        // Recorded like a dependency, so that it follows the value through locals and arguments.
        if (this.sensitiveVariables.has(name)) ctx.deps.add(`${SENSITIVE_MARK}${name}`);
        return { known: true, value: this.returned(walk(this.variables[name], steps.slice(1)), ctx) };
      }
      case "local": {
        const name = attrAt(0);
        if (!name || !Object.hasOwn(this.locals, name)) throw new ExpressionError(`reference to undeclared local value "${name ?? ""}".`);
        const key = `local.${name}`;
        // A local's value does not depend on where it is used, except through the mode (outputs keep references symbolic).
        const memo = this.resolve(key, this.localMemo, `${ctx.mode}:${name}`, `local.${name} refers to itself.`, (deps) =>
          this.evalValue(this.locals[name], { address: ctx.address, deps, mode: ctx.mode }),
        );
        for (const d of memo.deps) ctx.deps.add(d);
        return { known: true, value: this.returned(walk(memo.value, steps.slice(1)), ctx) };
      }
      case "count":
        if (attrAt(0) !== "index" || steps.length !== 1) throw new ExpressionError("only count.index is supported.");
        if (ctx.count === undefined) throw new ExpressionError('reference to "count" in non-counted context.');
        return { known: true, value: ctx.count };
      case "each":
        if (ctx.eachKey === undefined) throw new ExpressionError('reference to "each" in context without for_each.');
        if (attrAt(0) === "key" && steps.length === 1) return { known: true, value: ctx.eachKey };
        if (attrAt(0) === "value") return { known: true, value: this.returned(walk(ctx.eachValue, steps.slice(1)), ctx) };
        throw new ExpressionError("only each.key and each.value are supported.");
      case RESOURCE_TYPE:
        return this.resourceRef(steps, ctx);
      case "data": {
        if (attrAt(0) !== RESOURCE_TYPE) throw new ForeignReferenceError("references to other providers' data sources are not supported.");
        const name = attrAt(1);
        if (!name || !this.dataNames.has(name)) throw new ExpressionError(`reference to undeclared data source data.${RESOURCE_TYPE}.${name ?? ""}.`);
        const attribute = attrAt(2);
        if (!attribute || steps.length !== 3 || !DATA_ATTRIBUTES.includes(attribute)) throw new ExpressionError(`unsupported attribute reference on data.${RESOURCE_TYPE}.${name}.`);
        const address = `data.${RESOURCE_TYPE}.${name}`;
        ctx.deps.add(address);
        if (ctx.mode === "arguments") throw new ExpressionError(`${address}.${attribute} is read during planning and cannot configure another object.`);
        return { known: false, ref: { address, attribute } };
      }
      default:
        throw new ForeignReferenceError(`references to "${root}" are not supported; only var, local, count, each and keyform objects are.`);
    }
  }

  protected resourceRef(steps: Step[], ctx: EvalCtx): Value {
    const first = steps[0];
    if (!first || !("attr" in first)) throw new ExpressionError("invalid resource reference.");
    const base = `${RESOURCE_TYPE}.${first.attr}`;
    const expansion = this.resourceExpansion[base];
    if (!expansion) throw new ExpressionError(`reference to undeclared resource ${base}.`);
    let rest = steps.slice(1);
    let address = base;
    if (rest[0] && "splat" in rest[0]) throw new ExpressionError("splat expressions ([*]) are not supported.");
    if (rest[0] && "index" in rest[0]) {
      address = `${base}${indexSuffix(rest[0].index)}`;
      rest = rest.slice(1);
      if (!this.instances.has(address)) throw new ExpressionError(`reference to ${address}, which the configuration does not declare.`);
    } else if (expansion !== "single") {
      throw new ExpressionError(`${base} uses ${expansion}; reference one instance, e.g. ${base}[${expansion === "count" ? "0" : '"key"'}].`);
    }
    const attrStep = rest[0];
    if (!attrStep) throw new ExpressionError(`${address} is a whole object; reference one of its attributes.`);
    if (!("attr" in attrStep) || !(ATTRIBUTES as readonly string[]).includes(attrStep.attr)) {
      throw new ExpressionError(`unsupported attribute on ${address}.`);
    }
    const attribute = attrStep.attr;
    ctx.deps.add(address);
    if (ctx.mode === "symbolic") {
      if (rest.length > 1) throw new ExpressionError("indexing into a resource attribute is not supported here.");
      return { known: false, ref: { address, attribute } };
    }
    if (address === ctx.address) throw new ExpressionError(`Self-referential block: configuration for ${address} may not refer to itself.`);
    if (attribute === "secret") throw new ExpressionError(`${address}.secret cannot configure another object: a secret is never written into configuration.`);
    const unknown = (): Value => {
      if (rest.length > 1) throw new ExpressionError(`${address}.${attribute} is known only after apply and cannot be indexed.`);
      return { known: true, value: new UnknownValue([{ address, attribute }]) };
    };
    // Computed attributes (id, created_at, …) and arguments left to the server: known after apply.
    if (!(ARGUMENTS as readonly string[]).includes(attribute)) return unknown();
    // The referring object depends on this instance, not on what this instance's argument refers to.
    const value = this.argumentOf(this.instances.get(address)!, attribute as Argument)?.value;
    if (value === undefined) return unknown();
    return { known: true, value: this.returned(walk(value, rest.slice(1)), ctx) };
  }

  /**
   * The evaluated configured value of an instance's argument and what it depends on (memoized,
   * cycle-checked); undefined when the argument is not set. Throws the ExpressionError it raised.
   */
  protected argumentOf(inst: Instance, arg: Argument): { value: unknown; deps: string[] } | undefined {
    if (inst.body[arg] === undefined) return undefined;
    const key = `${inst.address}.${arg}`;
    return this.resolve(key, this.argMemo, key, `cycle: ${key} refers to itself.`, (deps) => this.evalValue(inst.body[arg], this.instanceCtx(inst, deps)));
  }

  /**
   * Evaluates a reference's target once (`compute` collects its dependencies into `deps`) and keeps
   * the outcome, error included. Follows the chain of references being resolved: a reference to one
   * already on it is a cycle, and the chain may be at most `maxReferenceChain` long.
   */
  private resolve(key: string, memo: Map<string, Memo>, memoKey: string, cycle: string, compute: (deps: Set<string>) => unknown): { value: unknown; deps: string[] } {
    const kept = memo.get(memoKey);
    if (kept) {
      if ("error" in kept) throw kept.error;
      return kept;
    }
    if (this.resolving.has(key)) throw new ExpressionError(cycle);
    if (this.chain.length >= this.limits.maxReferenceChain) {
      const shown = this.chain.length > 6 ? [...this.chain.slice(0, 3), "…", ...this.chain.slice(-2)] : this.chain;
      throw new LimitError(
        "maxReferenceChain",
        "Reference chain too long",
        `Resolving ${this.chain[0]} follows more than ${this.limits.maxReferenceChain} references, one inside the other (${[...shown, key].join(" → ")}); ${limitNote(this.limits, "maxReferenceChain")}.`,
        addressOfKey(this.chain[0]),
      );
    }
    this.resolving.add(key);
    this.chain.push(key);
    try {
      const deps = new Set<string>();
      const entry = { value: compute(deps), deps: [...deps] };
      memo.set(memoKey, entry);
      return entry;
    } catch (e) {
      if (e instanceof ExpressionError) memo.set(memoKey, { error: e });
      throw e;
    } finally {
      this.resolving.delete(key);
      this.chain.pop();
    }
  }

  /**
   * A value a reference returns: paid for by its size (a value referenced a thousand times costs a
   * thousand times), and no deeper than `maxDepth` (so values built from references stay shallow
   * enough for every recursive walk downstream).
   */
  protected returned(value: unknown, ctx: EvalCtx): unknown {
    const { size, depth } = this.measure(value);
    if (depth > this.limits.maxDepth) {
      throw new LimitError("maxDepth", "Value nested too deeply", `A value referenced here is nested ${depth} levels deep; ${limitNote(this.limits, "maxDepth")}.`, ctx.address);
    }
    this.spend(size, ctx.address);
    return value;
  }

  /** Size (elements, plus string characters / 32) and depth of an evaluated value; remembered per object. */
  private measure(value: unknown): { size: number; depth: number } {
    if (typeof value === "string") return { size: 1 + Math.floor(value.length / CHARS_PER_STEP), depth: 0 };
    if (typeof value !== "object" || value === null || value instanceof UnknownValue) return { size: 1, depth: 0 };
    const known = this.measured.get(value);
    if (known) return known;
    const items = value instanceof SetValue ? value.items : Array.isArray(value) ? value : Object.values(value);
    let size = 1;
    let depth = 0;
    for (const item of items) {
      const m = this.measure(item);
      size += m.size;
      if (m.depth > depth) depth = m.depth;
      // Values are built by evaluation, which is itself bounded: still, never walk further than the limit allows.
      if (depth >= this.limits.maxDepth || size > this.limits.maxSteps) break;
    }
    const result = { size, depth: depth + 1 };
    this.measured.set(value, result);
    return result;
  }

  protected instanceCtx(inst: Instance, deps: Set<string>): EvalCtx {
    return { address: inst.address, count: inst.count, eachKey: inst.eachKey, eachValue: inst.eachValue, deps, mode: "arguments" };
  }
}

/**
 * A value known only after apply: a string built from literal text and attributes of keyform keys that
 * apply makes (`"svc-${keyform_api_key.deploy.id}"`). It flows through references, locals and
 * templates; the planner resolves what it can, and apply the rest, in dependency order.
 */
export class UnknownValue {
  constructor(readonly parts: ReadonlyArray<string | AttributeRef>) {}
  refs(): AttributeRef[] {
    return this.parts.filter((p): p is AttributeRef => typeof p !== "string");
  }
  toJSON(): null {
    return null;
  }
}

/** Whether a value holds a value known only after apply, anywhere inside. */
export function containsUnknown(v: unknown): boolean {
  if (v instanceof UnknownValue) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v instanceof SetValue) return false;
  if (isObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

/** The references that make a value unknown, for diagnostics. */
export function unknownRefs(v: unknown, out: AttributeRef[] = []): AttributeRef[] {
  if (v instanceof UnknownValue) out.push(...v.refs());
  else if (Array.isArray(v)) for (const x of v) unknownRefs(x, out);
  else if (isObject(v) && !(v instanceof SetValue)) for (const x of Object.values(v)) unknownRefs(x, out);
  return out;
}

/** The value of `toset(...)`: kept apart from lists so for_each can tell them apart. */
export class SetValue {
  constructor(readonly items: string[]) {}
  toJSON(): string[] {
    return this.items;
  }
}

export function walk(value: unknown, steps: Step[]): unknown {
  let v = value;
  for (const s of steps) {
    if (v instanceof UnknownValue) throw new ExpressionError("the value is known only after apply and cannot be indexed.");
    if ("splat" in s) throw new ExpressionError("splat expressions ([*]) are not supported.");
    const key = "attr" in s ? s.attr : s.index;
    if (Array.isArray(v) && typeof key === "number" && key < v.length) v = v[key];
    else if (v instanceof SetValue && typeof key === "number") throw new ExpressionError("sets cannot be indexed.");
    else if (isObject(v) && String(key) in v) v = v[String(key)];
    else throw new ExpressionError(`the value has no element or attribute ${JSON.stringify(key)}.`);
  }
  return v;
}

/** `keyform_api_key.k.name` → `keyform_api_key.k`; `local.x` stays itself. */
function addressOfKey(key: string): string {
  const arg = ARGUMENTS.find((a) => key.endsWith(`.${a}`));
  return arg && key.startsWith(`${RESOURCE_TYPE}.`) ? key.slice(0, -arg.length - 1) : key;
}

export function describeRef(ref: AttributeRef): string {
  return ref.attribute ? `${ref.address}.${ref.attribute}` : ref.address;
}
