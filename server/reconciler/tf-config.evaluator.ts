import { apiKeyDataSourceSchema, apiKeySchema } from "../../core/schema/api-key.schema";
import { argumentsOf, type ArgumentTfName } from "../../core/schema/attribute-schema";
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
export abstract class ConfigEvaluator {
  protected variables: Record<string, unknown> = {};
  protected locals: Json = {};
  protected instances = new Map<string, Instance>();
  protected resourceExpansion: Record<string, "single" | "count" | "for_each"> = {};
  protected argCache = new Map<string, unknown>();
  protected resolving = new Set<string>();
  protected dataNames = new Set<string>();
  protected evalValue(raw: unknown, ctx: EvalCtx): unknown {
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
    if (parts.length === 1 && "expr" in parts[0]) return this.evalExpr(parseExpression(parts[0].expr), ctx);
    let out = "";
    for (const part of parts) {
      if ("lit" in part) {
        out += part.lit;
        continue;
      }
      const v = this.evalExpr(parseExpression(part.expr), ctx);
      if (!v.known) throw new ExpressionError(`the reference to ${describeRef(v.ref)} cannot be part of a string here.`);
      if (typeof v.value !== "string" && typeof v.value !== "number" && typeof v.value !== "boolean") {
        throw new ExpressionError(`${quoted(part.expr)} is not a string and cannot be interpolated.`);
      }
      out += String(v.value);
    }
    return { known: true, value: out };
  }

  protected evalExpr(expr: Expr, ctx: EvalCtx): Value {
    switch (expr.kind) {
      case "string":
      case "number":
        return { known: true, value: expr.value };
      case "list":
        return { known: true, value: expr.items.map((i) => this.knownOnly(this.evalExpr(i, ctx))) };
      case "call": {
        if (expr.fn !== "toset" || expr.args.length !== 1) throw new ExpressionError(`function "${expr.fn}" is not supported; keyform evaluates only toset([...]).`);
        const list = this.knownOnly(this.evalExpr(expr.args[0], ctx));
        if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) throw new ExpressionError("toset() needs a list of strings.");
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
        if (!(name in this.variables)) throw new ExpressionError(`no value for variable "${name}": declare it with a default.`);
        return { known: true, value: walk(this.variables[name], steps.slice(1)) };
      }
      case "local": {
        const name = attrAt(0);
        if (!name || !(name in this.locals)) throw new ExpressionError(`reference to undeclared local value "${name ?? ""}".`);
        const key = `local.${name}`;
        if (this.resolving.has(key)) throw new ExpressionError(`local.${name} refers to itself.`);
        this.resolving.add(key);
        try {
          return { known: true, value: walk(this.evalValue(this.locals[name], { ...ctx, count: undefined, eachKey: undefined, eachValue: undefined }), steps.slice(1)) };
        } finally {
          this.resolving.delete(key);
        }
      }
      case "count":
        if (attrAt(0) !== "index" || steps.length !== 1) throw new ExpressionError("only count.index is supported.");
        if (ctx.count === undefined) throw new ExpressionError('reference to "count" in non-counted context.');
        return { known: true, value: ctx.count };
      case "each":
        if (ctx.eachKey === undefined) throw new ExpressionError('reference to "each" in context without for_each.');
        if (attrAt(0) === "key" && steps.length === 1) return { known: true, value: ctx.eachKey };
        if (attrAt(0) === "value") return { known: true, value: walk(ctx.eachValue, steps.slice(1)) };
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
    if (!(ARGUMENTS as readonly string[]).includes(attribute)) {
      throw new ExpressionError(`${address}.${attribute} is known only after apply; arguments may only refer to configured values.`);
    }
    const value = this.argumentOf(address, attribute as Argument);
    if (value === undefined) throw new ExpressionError(`${address}.${attribute} is not set in the configuration, so it is known only after apply.`);
    return { known: true, value: walk(value, rest.slice(1)) };
  }

  /** The evaluated configured value of another instance's argument (memoized, cycle-checked). */
  protected argumentOf(address: string, arg: Argument): unknown {
    const key = `${address}.${arg}`;
    if (this.argCache.has(key)) return this.argCache.get(key);
    const inst = this.instances.get(address)!;
    if (inst.body[arg] === undefined) return undefined;
    if (this.resolving.has(key)) throw new ExpressionError(`cycle: ${key} refers to itself.`);
    this.resolving.add(key);
    try {
      const value = this.evalValue(inst.body[arg], this.instanceCtx(inst, new Set()));
      this.argCache.set(key, value);
      return value;
    } finally {
      this.resolving.delete(key);
    }
  }

  protected instanceCtx(inst: Instance, deps: Set<string>): EvalCtx {
    return { address: inst.address, count: inst.count, eachKey: inst.eachKey, eachValue: inst.eachValue, deps, mode: "arguments" };
  }
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
    if ("splat" in s) throw new ExpressionError("splat expressions ([*]) are not supported.");
    const key = "attr" in s ? s.attr : s.index;
    if (Array.isArray(v) && typeof key === "number" && key < v.length) v = v[key];
    else if (v instanceof SetValue && typeof key === "number") throw new ExpressionError("sets cannot be indexed.");
    else if (isObject(v) && String(key) in v) v = v[String(key)];
    else throw new ExpressionError(`the value has no element or attribute ${JSON.stringify(key)}.`);
  }
  return v;
}

export function describeRef(ref: AttributeRef): string {
  return ref.attribute ? `${ref.address}.${ref.attribute}` : ref.address;
}
