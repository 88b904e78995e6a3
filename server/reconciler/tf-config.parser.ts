import {
  compareAddresses,
  type Expr,
  ExpressionError,
  hasInterpolation,
  indexSuffix,
  parseAddress,
  parseExpression,
  splitTemplate,
  type Step,
} from "./expression";
import type {
  AttributeRef,
  DesiredConfig,
  DesiredDataSource,
  DesiredLifecycle,
  DesiredOutput,
  DesiredProvider,
  DesiredResource,
  Diagnostic,
  KeyTypeName,
  OutputExpression,
} from "./reconciler.types";

/**
 * Reads Terraform JSON configuration (`cdk.tf.json` or a hand-written `*.tf.json`) into the keyform
 * resources it declares. Never throws: whatever it cannot understand becomes a diagnostic.
 */

export const RESOURCE_TYPE = "keyform_api_key";
/** Arguments of keyform_api_key; references to them resolve to their configured values. */
export const ARGUMENTS = ["account", "expires_at", "expires_in", "name", "rotate_every", "scopes", "type"] as const;
type Argument = (typeof ARGUMENTS)[number];
/** Every attribute of the schema, arguments and computed. */
export const ATTRIBUTES = [...ARGUMENTS, "created_at", "id", "last_used_at", "masked", "secret", "status"] as const;
const DATA_ATTRIBUTES = ["account", "created_at", "expires_at", "expires_in", "id", "last_used_at", "masked", "name", "scopes", "status", "type"];
const META_ARGUMENTS = ["//", "provider", "lifecycle", "depends_on", "count", "for_each"];

type Json = Record<string, unknown>;

interface Instance {
  address: string;
  resourceName: string;
  index?: number | string;
  body: Json;
  count?: number;
  eachKey?: string;
  eachValue?: unknown;
}

interface EvalCtx {
  address: string;
  count?: number;
  eachKey?: string;
  eachValue?: unknown;
  deps: Set<string>;
  /** "arguments": references resolve to configured values; "symbolic": they stay references (outputs). */
  mode: "arguments" | "symbolic";
}

type Value = { known: true; value: unknown } | { known: false; ref: AttributeRef };

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseConfig(json: unknown): DesiredConfig {
  return new ConfigParser().parse(json);
}

class ConfigParser {
  private diagnostics: Diagnostic[] = [];
  private variables: Record<string, unknown> = {};
  private locals: Json = {};
  private instances = new Map<string, Instance>();
  private resourceExpansion: Record<string, "single" | "count" | "for_each"> = {};
  private argCache = new Map<string, unknown>();
  private resolving = new Set<string>();
  private dataNames = new Set<string>();

  parse(json: unknown): DesiredConfig {
    const config: DesiredConfig = {
      stackName: null,
      providers: [],
      resources: [],
      dataSources: [],
      outputs: [],
      imports: [],
      moves: [],
      removed: [],
      expansion: {},
      diagnostics: this.diagnostics,
    };
    if (!isObject(json)) {
      this.error("Invalid configuration", "The configuration must be a JSON object in Terraform JSON syntax.");
      return config;
    }
    const meta = json["//"];
    if (isObject(meta) && isObject(meta.metadata) && typeof meta.metadata.stackName === "string") {
      config.stackName = meta.metadata.stackName;
    }
    for (const key of Object.keys(json).sort()) {
      if (!["//", "terraform", "provider", "resource", "data", "output", "variable", "locals", "import", "moved", "removed"].includes(key)) {
        this.warning("Unsupported block ignored", `keyform does not evaluate "${key}" blocks; it was ignored.`);
      }
    }
    this.readVariables(json.variable);
    if (isObject(json.locals)) this.locals = json.locals;
    config.providers = this.readProviders(json.provider);
    const resources = isObject(json.resource) ? json.resource : {};
    const data = isObject(json.data) ? json.data : {};
    for (const type of Object.keys(resources).sort()) {
      if (type !== RESOURCE_TYPE) this.otherProvider("resource", type, resources[type]);
    }
    for (const type of Object.keys(data).sort()) {
      if (type !== RESOURCE_TYPE) this.otherProvider("data", type, data[type]);
    }
    const dataBlocks = isObject(data[RESOURCE_TYPE]) ? (data[RESOURCE_TYPE] as Json) : {};
    for (const name of Object.keys(dataBlocks)) this.dataNames.add(name);
    this.expandResources(isObject(resources[RESOURCE_TYPE]) ? (resources[RESOURCE_TYPE] as Json) : {});
    config.expansion = this.resourceExpansion;
    const providerKeys = new Set(config.providers.map((p) => p.key));
    for (const address of [...this.instances.keys()].sort(compareAddresses)) {
      const r = this.readResource(this.instances.get(address)!, config.providers, providerKeys);
      if (r) config.resources.push(r);
    }
    for (const name of Object.keys(dataBlocks).sort()) {
      const d = this.readDataSource(name, dataBlocks[name], config.providers, providerKeys);
      if (d) config.dataSources.push(d);
    }
    config.outputs = this.readOutputs(json.output);
    config.imports = this.readImports(json.import);
    config.moves = this.readMoves(json.moved);
    config.removed = this.readRemoved(json.removed);
    return config;
  }

  // ---------------------------------------------------------------- diagnostics

  private error(summary: string, detail: string, address?: string): void {
    this.diagnostics.push(address ? { severity: "error", summary, detail, address } : { severity: "error", summary, detail });
  }

  private warning(summary: string, detail: string, address?: string): void {
    this.diagnostics.push(address ? { severity: "warning", summary, detail, address } : { severity: "warning", summary, detail });
  }

  private otherProvider(mode: "resource" | "data", type: string, blocks: unknown): void {
    const names = isObject(blocks) ? Object.keys(blocks).sort() : [];
    for (const name of names) {
      const address = `${mode === "data" ? "data." : ""}${type}.${name}`;
      this.warning(
        "Resource not managed by keyform",
        `${address} belongs to another provider; keyform leaves it alone and it appears in no resource_changes.`,
        address,
      );
    }
  }

  // ---------------------------------------------------------------- variables, providers

  private readVariables(block: unknown): void {
    if (block === undefined) return;
    if (!isObject(block)) return this.error("Invalid variable block", "\"variable\" must be an object of variable declarations.");
    for (const name of Object.keys(block).sort()) {
      const v = block[name];
      if (isObject(v) && "default" in v) this.variables[name] = v.default;
    }
  }

  private readProviders(block: unknown): DesiredProvider[] {
    if (block === undefined) return [];
    if (!isObject(block)) {
      this.error("Invalid provider block", "\"provider\" must be an object keyed by provider name.");
      return [];
    }
    const raw = block.keyform;
    if (raw === undefined) return [];
    const entries = Array.isArray(raw) ? raw : [raw];
    const out: DesiredProvider[] = [];
    for (const entry of entries) {
      if (!isObject(entry)) {
        this.error("Invalid provider block", "Each provider \"keyform\" configuration must be an object.");
        continue;
      }
      const ctx: EvalCtx = { address: "provider.keyform", deps: new Set(), mode: "arguments" };
      const alias = this.stringArg(entry.alias, ctx, "alias");
      const account = this.stringArg(entry.account, ctx, "account");
      const endpoint = this.stringArg(entry.endpoint, ctx, "endpoint");
      const key = alias ? `keyform.${alias}` : "keyform";
      if (out.some((p) => p.key === key)) {
        this.error("Duplicate provider configuration", `A provider configuration for "${key}" was already given.`);
        continue;
      }
      out.push({ key, alias, account, endpoint });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private stringArg(raw: unknown, ctx: EvalCtx, what: string): string | null {
    if (raw === undefined || raw === null) return null;
    const v = this.evaluate(raw, ctx, what);
    if (v === undefined) return null;
    if (typeof v !== "string") {
      this.error("Incorrect attribute value type", `Inappropriate value for attribute "${what}": string required.`, ctx.address);
      return null;
    }
    return v;
  }

  // ---------------------------------------------------------------- expansion (count / for_each)

  private expandResources(blocks: Json): void {
    for (const name of Object.keys(blocks).sort()) {
      const body = blocks[name];
      const base = `${RESOURCE_TYPE}.${name}`;
      if (!isObject(body)) {
        this.error("Invalid resource block", `The body of ${base} must be an object.`, base);
        continue;
      }
      const ctx: EvalCtx = { address: base, deps: new Set(), mode: "arguments" };
      if (body.count !== undefined && body.for_each !== undefined) {
        this.error("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.", base);
        continue;
      }
      if (body.count !== undefined) {
        this.resourceExpansion[base] = "count";
        const n = this.evaluate(body.count, ctx, "count");
        const count = typeof n === "string" && /^\d+$/.test(n) ? Number(n) : n;
        if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
          if (n !== undefined) this.error("Invalid count argument", "The given \"count\" argument value is unsuitable: must be a whole number, not negative.", base);
          continue;
        }
        for (let i = 0; i < count; i++) this.instances.set(`${base}[${i}]`, { address: `${base}[${i}]`, resourceName: name, index: i, body, count: i });
      } else if (body.for_each !== undefined) {
        this.resourceExpansion[base] = "for_each";
        const each = this.forEachItems(body.for_each, ctx);
        if (!each) continue;
        for (const [key, value] of each) {
          const address = `${base}${indexSuffix(key)}`;
          this.instances.set(address, { address, resourceName: name, index: key, body, eachKey: key, eachValue: value });
        }
      } else {
        this.resourceExpansion[base] = "single";
        this.instances.set(base, { address: base, resourceName: name, body });
      }
    }
  }

  private forEachItems(raw: unknown, ctx: EvalCtx): Array<[string, unknown]> | null {
    let value: unknown = raw;
    if (typeof raw === "string") {
      value = this.evaluate(raw, { ...ctx, mode: "arguments" }, "for_each");
      if (value === undefined) return null;
    }
    if (value instanceof SetValue) return value.items.map((k) => [k, k]);
    if (isObject(value)) {
      return Object.keys(value)
        .filter((k) => k !== "//")
        .sort()
        .map((k) => [k, value[k]]);
    }
    this.error(
      "Invalid for_each argument",
      "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings. Use toset([...]) for a list.",
      ctx.address,
    );
    return null;
  }

  // ---------------------------------------------------------------- evaluation

  /** Evaluates a JSON value whose strings may hold templates; undefined after reporting an error. */
  private evaluate(raw: unknown, ctx: EvalCtx, what: string): unknown {
    try {
      return this.evalValue(raw, ctx);
    } catch (e) {
      if (e instanceof ExpressionError) {
        this.error("Unsupported expression", `${what}: ${e.message}`, ctx.address);
        return undefined;
      }
      throw e;
    }
  }

  private evalValue(raw: unknown, ctx: EvalCtx): unknown {
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

  private evalTemplate(text: string, ctx: EvalCtx): Value {
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
        throw new ExpressionError(`"${part.expr}" is not a string and cannot be interpolated.`);
      }
      out += String(v.value);
    }
    return { known: true, value: out };
  }

  private evalExpr(expr: Expr, ctx: EvalCtx): Value {
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

  private knownOnly(v: Value): unknown {
    if (!v.known) throw new ExpressionError(`the reference to ${describeRef(v.ref)} cannot be used inside a list.`);
    return v.value;
  }

  private evalTraversal(expr: Extract<Expr, { kind: "traversal" }>, ctx: EvalCtx): Value {
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
        if (attrAt(0) !== RESOURCE_TYPE) throw new ExpressionError("references to other providers' data sources are not supported.");
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
        throw new ExpressionError(`references to "${root}" are not supported; only var, local, count, each and keyform objects are.`);
    }
  }

  private resourceRef(steps: Step[], ctx: EvalCtx): Value {
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
  private argumentOf(address: string, arg: Argument): unknown {
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

  private instanceCtx(inst: Instance, deps: Set<string>): EvalCtx {
    return { address: inst.address, count: inst.count, eachKey: inst.eachKey, eachValue: inst.eachValue, deps, mode: "arguments" };
  }

  // ---------------------------------------------------------------- resources

  private readResource(inst: Instance, providers: DesiredProvider[], providerKeys: Set<string>): DesiredResource | null {
    const { body, address } = inst;
    const deps = new Set<string>();
    const ctx = this.instanceCtx(inst, deps);
    const errorsBefore = this.diagnostics.filter((d) => d.severity === "error").length;
    for (const key of Object.keys(body).sort()) {
      if (!META_ARGUMENTS.includes(key) && !(ARGUMENTS as readonly string[]).includes(key)) {
        this.error("Unsupported argument", `An argument named "${key}" is not expected here.`, address);
      }
    }
    const args: Partial<Record<Argument, unknown>> = {};
    for (const arg of ARGUMENTS) {
      if (body[arg] === undefined || body[arg] === null) continue;
      const key = `${address}.${arg}`;
      try {
        this.resolving.add(key);
        args[arg] = this.evalValue(body[arg], ctx);
        this.argCache.set(key, args[arg]);
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        this.error("Unsupported expression", `${arg}: ${e.message}`, address);
      } finally {
        this.resolving.delete(key);
      }
    }
    const str = (arg: Argument): string | null => {
      const v = args[arg];
      if (v === undefined || v === null) return null;
      if (typeof v !== "string") {
        this.error("Incorrect attribute value type", `Inappropriate value for attribute "${arg}": string required.`, address);
        return null;
      }
      return v;
    };
    let scopes: string[] | null = null;
    if (args.scopes !== undefined && args.scopes !== null) {
      const v = args.scopes instanceof SetValue ? args.scopes.items : args.scopes;
      if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
        this.error("Incorrect attribute value type", 'Inappropriate value for attribute "scopes": list of string required.', address);
      } else {
        scopes = v as string[];
      }
    }
    const type = str("type");
    if (type !== null && !["live", "temp", "legacy"].includes(type)) {
      this.error("Invalid key type", `type must be "live" or "temp" (or "legacy" for an imported key), not "${type}".`, address);
    }
    const name = str("name");
    if (name === null && !this.diagnostics.slice(errorsBefore).length) {
      this.error("Missing required argument", 'The argument "name" is required, but no definition was found.', address);
    }

    let provider = "keyform";
    if (body.provider !== undefined) {
      const p = typeof body.provider === "string" ? body.provider.replace(/^\$\{(.*)\}$/, "$1") : null;
      if (!p || !/^keyform(\.[A-Za-z0-9_-]+)?$/.test(p)) {
        this.error("Invalid provider reference", `provider must name a keyform provider configuration such as "keyform.eu", not ${JSON.stringify(body.provider)}.`, address);
      } else if (p !== "keyform" && !providerKeys.has(p)) {
        this.error("Provider configuration not present", `${address} refers to provider configuration ${p}, which is not declared.`, address);
      } else {
        provider = p;
      }
    }
    const providerAccount = providers.find((p) => p.key === provider)?.account ?? null;
    const account = str("account") ?? providerAccount;
    if (account === null) {
      this.error("Missing account", `${address} has no "account" argument and its provider configuration (${provider}) sets none.`, address);
    }

    const lifecycle = this.readLifecycle(body.lifecycle, address, deps);
    for (const dep of this.readDependsOn(body.depends_on, address)) deps.add(dep);
    const configured = ARGUMENTS.filter((a) => args[a] !== undefined && args[a] !== null);
    const expressions: Record<string, unknown> = {};
    for (const a of ARGUMENTS) if (body[a] !== undefined) expressions[a] = body[a];
    const r: DesiredResource = {
      address,
      resourceAddress: `${RESOURCE_TYPE}.${inst.resourceName}`,
      name: inst.resourceName,
      account,
      provider,
      args: {
        name,
        type: type !== null && ["live", "temp", "legacy"].includes(type) ? (type as KeyTypeName) : null,
        expires_in: str("expires_in"),
        expires_at: str("expires_at"),
        scopes,
        rotate_every: str("rotate_every"),
      },
      configured: [...configured],
      lifecycle,
      dependsOn: [...deps].filter((d) => d !== address).sort(compareAddresses),
      expressions,
    };
    if (inst.index !== undefined) r.index = inst.index;
    if (body.count !== undefined) r.countExpression = body.count;
    if (body.for_each !== undefined) r.forEachExpression = body.for_each;
    return r;
  }

  private readLifecycle(raw: unknown, address: string, deps: Set<string>): DesiredLifecycle {
    const lc: DesiredLifecycle = { prevent_destroy: false, create_before_destroy: false, ignore_changes: [], replace_triggered_by: [] };
    if (raw === undefined) return lc;
    if (!isObject(raw)) {
      this.error("Invalid lifecycle block", "lifecycle must be an object.", address);
      return lc;
    }
    for (const key of Object.keys(raw).sort()) {
      if (!["//", "prevent_destroy", "create_before_destroy", "ignore_changes", "replace_triggered_by", "precondition", "postcondition"].includes(key)) {
        this.error("Unsupported argument", `An argument named "${key}" is not expected here.`, address);
      }
      if (key === "precondition" || key === "postcondition") {
        this.error("Unsupported lifecycle argument", `keyform does not evaluate lifecycle ${key} blocks.`, address);
      }
    }
    for (const flag of ["prevent_destroy", "create_before_destroy"] as const) {
      const v = raw[flag];
      if (v === undefined) continue;
      if (typeof v === "boolean") lc[flag] = v;
      else this.error("Incorrect attribute value type", `lifecycle.${flag} must be a literal boolean.`, address);
    }
    const ic = raw.ignore_changes;
    if (ic === "all" || (Array.isArray(ic) && ic.length === 1 && ic[0] === "all")) {
      lc.ignore_changes = "all";
    } else if (Array.isArray(ic)) {
      const names: string[] = [];
      for (const item of ic) {
        const n = typeof item === "string" ? item.replace(/^\$\{(.*)\}$/, "$1") : null;
        if (!n || !(ARGUMENTS as readonly string[]).includes(n)) {
          this.error("Unsupported attribute", `lifecycle.ignore_changes: ${JSON.stringify(item)} is not an argument of ${RESOURCE_TYPE}.`, address);
        } else if (!names.includes(n)) {
          names.push(n);
        }
      }
      lc.ignore_changes = names.sort();
    } else if (ic !== undefined) {
      this.error("Incorrect attribute value type", 'lifecycle.ignore_changes must be a list of attribute names or "all".', address);
    }
    const rtb = raw.replace_triggered_by;
    if (rtb !== undefined) {
      if (!Array.isArray(rtb)) {
        this.error("Incorrect attribute value type", "lifecycle.replace_triggered_by must be a list of references.", address);
      } else {
        for (const item of rtb) {
          const ref = typeof item === "string" ? this.triggerRef(item, address) : null;
          if (!ref) {
            if (typeof item !== "string") this.error("Invalid replace_triggered_by expression", "Each item must be a reference to a managed resource or one of its attributes.", address);
            continue;
          }
          lc.replace_triggered_by.push(ref);
          deps.add(ref.address);
        }
      }
    }
    return lc;
  }

  private triggerRef(item: string, address: string): AttributeRef | null {
    const text = item.replace(/^\$\{(.*)\}$/s, "$1").trim();
    const fail = (why: string) => {
      this.error("Invalid replace_triggered_by expression", `${JSON.stringify(item)}: ${why}`, address);
      return null;
    };
    let expr: Expr;
    try {
      expr = parseExpression(text);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (expr.kind !== "traversal" || expr.root !== RESOURCE_TYPE) return fail("only references to keyform_api_key resources are supported.");
    const [nameStep, ...rest] = expr.steps;
    if (!nameStep || !("attr" in nameStep)) return fail("invalid reference.");
    const base = `${RESOURCE_TYPE}.${nameStep.attr}`;
    if (!this.resourceExpansion[base]) return fail(`reference to undeclared resource ${base}.`);
    let target = base;
    let tail = rest;
    if (tail[0] && "index" in tail[0]) {
      target = `${base}${indexSuffix(tail[0].index)}`;
      tail = tail.slice(1);
    }
    if (tail.length === 0) return { address: target, attribute: null };
    if (tail.length === 1 && "attr" in tail[0] && (ATTRIBUTES as readonly string[]).includes(tail[0].attr)) return { address: target, attribute: tail[0].attr };
    return fail("unsupported attribute reference.");
  }

  private readDependsOn(raw: unknown, address: string): string[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
      this.error("Incorrect attribute value type", "depends_on must be a list of references.", address);
      return [];
    }
    const out: string[] = [];
    for (const item of raw) {
      const ref = typeof item === "string" ? item.replace(/^\$\{(.*)\}$/s, "$1").trim() : "";
      const p = parseAddress(ref);
      if (!p) {
        this.error("Invalid depends_on reference", `${JSON.stringify(item)} is not a resource address.`, address);
        continue;
      }
      if (p.type !== RESOURCE_TYPE) continue; // other providers' objects are not ours to order
      const base = `${p.mode === "data" ? "data." : ""}${RESOURCE_TYPE}.${p.name}`;
      const declared = p.mode === "data" ? this.dataNames.has(p.name) : !!this.resourceExpansion[base];
      if (!declared) {
        this.error("Reference to undeclared resource", `depends_on refers to ${ref}, which is not declared.`, address);
        continue;
      }
      out.push(ref);
    }
    return out;
  }

  // ---------------------------------------------------------------- data, outputs, import, moved, removed

  private readDataSource(name: string, body: unknown, providers: DesiredProvider[], providerKeys: Set<string>): DesiredDataSource | null {
    const address = `data.${RESOURCE_TYPE}.${name}`;
    if (!isObject(body)) {
      this.error("Invalid data block", `The body of ${address} must be an object.`, address);
      return null;
    }
    const ctx: EvalCtx = { address, deps: new Set(), mode: "arguments" };
    for (const key of Object.keys(body).sort()) {
      if (!["//", "id", "name", "account", "provider", "depends_on"].includes(key)) {
        this.error("Unsupported argument", `An argument named "${key}" is not expected here.`, address);
      }
    }
    const id = this.stringArg(body.id, ctx, "id");
    const keyName = this.stringArg(body.name, ctx, "name");
    if ((id === null) === (keyName === null)) {
      this.error("Invalid data source arguments", `${address} must set exactly one of "id" or "name".`, address);
      return null;
    }
    const providerRef = typeof body.provider === "string" ? body.provider.replace(/^\$\{(.*)\}$/, "$1") : "keyform";
    const provider = providerKeys.has(providerRef) ? providerRef : "keyform";
    const account = this.stringArg(body.account, ctx, "account") ?? providers.find((p) => p.key === provider)?.account ?? null;
    if (keyName !== null && account === null) {
      this.error("Missing account", `${address} looks a key up by name and needs an account (argument or provider).`, address);
    }
    const expressions: Record<string, unknown> = {};
    for (const k of ["account", "id", "name"]) if (body[k] !== undefined) expressions[k] = body[k];
    return { address, name, account, provider, by: id !== null ? { id } : { name: keyName! }, expressions };
  }

  private readOutputs(block: unknown): DesiredOutput[] {
    if (block === undefined) return [];
    if (!isObject(block)) {
      this.error("Invalid output block", "\"output\" must be an object of output declarations.");
      return [];
    }
    const out: DesiredOutput[] = [];
    for (const name of Object.keys(block).sort()) {
      const body = block[name];
      const address = `output.${name}`;
      if (!isObject(body) || !("value" in body)) {
        this.error("Missing required argument", `The argument "value" is required for output "${name}".`, address);
        continue;
      }
      const ctx: EvalCtx = { address, deps: new Set(), mode: "symbolic" };
      let expression: OutputExpression;
      try {
        expression = this.outputExpression(body.value, ctx);
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        this.error("Unsupported expression", `output "${name}": ${e.message}`, address);
        continue;
      }
      const o: DesiredOutput = { name, sensitive: body.sensitive === true, expression, rawExpression: body.value };
      if (typeof body.description === "string") o.description = body.description;
      out.push(o);
    }
    return out;
  }

  private outputExpression(raw: unknown, ctx: EvalCtx): OutputExpression {
    if (typeof raw !== "string") {
      if (hasInterpolation(raw)) throw new ExpressionError("references are supported only in string outputs, not inside lists or objects.");
      return { kind: "literal", value: raw };
    }
    const parts = splitTemplate(raw);
    if (parts.length === 1 && "expr" in parts[0]) {
      const v = this.evalExpr(parseExpression(parts[0].expr), ctx);
      return v.known ? { kind: "literal", value: v.value instanceof SetValue ? v.value.items : v.value } : { kind: "ref", ref: v.ref };
    }
    const out: Array<string | AttributeRef> = [];
    for (const part of parts) {
      if ("lit" in part) out.push(part.lit);
      else {
        const v = this.evalExpr(parseExpression(part.expr), ctx);
        if (!v.known) out.push(v.ref);
        else if (typeof v.value === "string" || typeof v.value === "number" || typeof v.value === "boolean") out.push(String(v.value));
        else throw new ExpressionError(`"${part.expr}" is not a string and cannot be interpolated.`);
      }
    }
    const merged: Array<string | AttributeRef> = [];
    for (const p of out) {
      if (typeof p === "string" && typeof merged[merged.length - 1] === "string") merged[merged.length - 1] += p;
      else merged.push(p);
    }
    if (merged.every((p) => typeof p === "string")) return { kind: "literal", value: merged.join("") };
    return { kind: "template", parts: merged };
  }

  private readImports(raw: unknown): Array<{ id: string; to: string }> {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
      this.error("Invalid import block", "\"import\" must be a list of import blocks.");
      return [];
    }
    const out: Array<{ id: string; to: string }> = [];
    for (const item of raw) {
      if (!isObject(item)) {
        this.error("Invalid import block", "Each import block must be an object with \"id\" and \"to\".");
        continue;
      }
      const to = typeof item.to === "string" ? item.to.replace(/^\$\{(.*)\}$/s, "$1").trim() : "";
      const p = parseAddress(to);
      if (item.for_each !== undefined) {
        this.error("Unsupported import block", "import blocks with for_each are not supported; write one block per key.", to || undefined);
        continue;
      }
      if (!p || p.mode !== "managed") {
        this.error("Invalid import address", `${JSON.stringify(item.to)} is not a resource instance address.`);
        continue;
      }
      if (p.type !== RESOURCE_TYPE) continue;
      const id = this.stringArg(item.id, { address: to, deps: new Set(), mode: "arguments" }, "id");
      if (id === null) {
        this.error("Missing required argument", 'The argument "id" is required in an import block.', to);
        continue;
      }
      if (!this.instances.has(to)) {
        this.error("Configuration for import target does not exist", `The configuration for the given import target ${to} does not exist. All target instances must have an associated configuration to be imported.`, to);
        continue;
      }
      if (out.some((i) => i.to === to)) {
        this.error("Duplicate import configuration", `An import block for ${to} was already declared.`, to);
        continue;
      }
      out.push({ id, to });
    }
    return out.sort((a, b) => compareAddresses(a.to, b.to));
  }

  private readMoves(raw: unknown): Array<{ from: string; to: string }> {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
      this.error("Invalid moved block", "\"moved\" must be a list of moved blocks.");
      return [];
    }
    const out: Array<{ from: string; to: string }> = [];
    for (const item of raw) {
      const from = isObject(item) && typeof item.from === "string" ? item.from.replace(/^\$\{(.*)\}$/s, "$1").trim() : "";
      const to = isObject(item) && typeof item.to === "string" ? item.to.replace(/^\$\{(.*)\}$/s, "$1").trim() : "";
      const pf = parseAddress(from);
      const pt = parseAddress(to);
      if (!pf || !pt || pf.mode !== "managed" || pt.mode !== "managed") {
        this.error("Invalid moved block", `moved needs resource addresses in "from" and "to", got ${JSON.stringify(item)}.`);
        continue;
      }
      if (pf.type !== RESOURCE_TYPE || pt.type !== RESOURCE_TYPE) {
        if (pf.type !== pt.type) this.error("Resource type mismatch", `Cannot move ${from} to ${to}: the resource types differ.`);
        continue;
      }
      if ((pf.index === undefined) !== (pt.index === undefined)) {
        this.error("Invalid moved block", `moved must go from resource to resource or from instance to instance: ${from} → ${to}.`);
        continue;
      }
      out.push({ from, to });
    }
    return out; // order matters: chains are applied in declaration order
  }

  private readRemoved(raw: unknown): Array<{ from: string; destroy: boolean }> {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
      this.error("Invalid removed block", "\"removed\" must be a list of removed blocks.");
      return [];
    }
    const out: Array<{ from: string; destroy: boolean }> = [];
    for (const item of raw) {
      const from = isObject(item) && typeof item.from === "string" ? item.from.replace(/^\$\{(.*)\}$/s, "$1").trim() : "";
      const p = parseAddress(from);
      if (!p || p.mode !== "managed") {
        this.error("Invalid removed block", `removed needs a resource address in "from", got ${JSON.stringify(item)}.`);
        continue;
      }
      if (p.type !== RESOURCE_TYPE) continue;
      if (this.resourceExpansion[`${RESOURCE_TYPE}.${p.name}`]) {
        this.error("Removed resource still exists", `This statement declares that ${from} was removed, but it is still declared in configuration.`, from);
        continue;
      }
      const lc = isObject(item) && isObject(item.lifecycle) ? item.lifecycle : {};
      out.push({ from, destroy: lc.destroy !== false });
    }
    return out;
  }
}

/** The value of `toset(...)`: kept apart from lists so for_each can tell them apart. */
class SetValue {
  constructor(readonly items: string[]) {}
  toJSON(): string[] {
    return this.items;
  }
}

function walk(value: unknown, steps: Step[]): unknown {
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

function describeRef(ref: AttributeRef): string {
  return ref.attribute ? `${ref.address}.${ref.attribute}` : ref.address;
}
