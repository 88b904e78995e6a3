import { ErrorCode } from "../../core/errors";
import { compareAddresses, type Expr, ExpressionError, indexSuffix, parseAddress, parseExpression } from "./expression";
import { quoted } from "./render/safe-text";
import {
  ARGUMENTS,
  type Argument,
  ATTRIBUTES,
  type EvalCtx,
  type Instance,
  isObject,
  type Json,
  META_ARGUMENTS,
  RESOURCE_TYPE,
  SetValue,
  WRITE_ONLY_ARGUMENTS,
  containsUnknown,
  describeRef,
  unknownRefs,
  UnknownValue,
  SENSITIVE_MARK,
} from "./tf-config.evaluator";
import { APPLY_KNOWN } from "./deferred";
import { ConfigBlockReader } from "./tf-config.blocks";
import { convertToType, parseVarType, type VarType, VarTypeError } from "./tf-variables";
import { checkConfigShape, DEFAULT_LIMITS, type EvaluationLimits, excerpt, LimitError, limitNote } from "./evaluation-limits";
import type {
  AttributeRef,
  DesiredConfig,
  DesiredLifecycle,
  DesiredProvider,
  DesiredResource,
  KeyTypeName,
} from "./reconciler.types";

export { ARGUMENTS, ATTRIBUTES, RESOURCE_TYPE };

/** A refusal of one argument's value, as the key operations, the constructs and the provider code it. */
const invalid = (attribute: string) => ({ code: ErrorCode.VALIDATION_FAILED, attribute });

/**
 * Reads Terraform JSON configuration (`cdk.tf.json` or a hand-written `*.tf.json`) into the keyform
 * resources it declares. Never throws: whatever it cannot understand becomes a diagnostic. A
 * configuration that exceeds one of `limits` is not evaluated further: it comes back `refused`, with one
 * diagnostic naming the limit.
 */
export function parseConfig(json: unknown, limits: EvaluationLimits = DEFAULT_LIMITS, variables: Record<string, unknown> = {}): DesiredConfig {
  return new ConfigParser(limits).parse(json, variables);
}

class ConfigParser extends ConfigBlockReader {
  /** Values given for input variables with the plan (CLI: TF_VAR_, -var-file, -var). */
  private given: Record<string, unknown> = {};

  parse(json: unknown, variables: Record<string, unknown> = {}): DesiredConfig {
    this.given = variables;
    const shape = checkConfigShape(json, this.limits) ?? checkConfigShape({ variable: variables }, this.limits);
    if (shape) return this.refuse(this.emptyConfig(), shape);
    const config = this.emptyConfig();
    try {
      this.read(json, config);
    } catch (e) {
      if (!(e instanceof LimitError)) throw e;
      return this.refuse(config, e);
    }
    this.closeDiagnostics();
    return config;
  }

  private emptyConfig(): DesiredConfig {
    return {
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
  }

  /** What was read before the limit was hit still names the accounts involved (authorization); nothing of it is planned. */
  private refuse(config: DesiredConfig, e: LimitError): DesiredConfig {
    this.fatal(e.toDiagnostic());
    this.closeDiagnostics();
    config.refused = true;
    return config;
  }

  private read(json: unknown, config: DesiredConfig): void {
    if (!isObject(json)) {
      this.error("Invalid configuration", "The configuration must be a JSON object in Terraform JSON syntax.");
      return;
    }
    const meta = json["//"];
    if (isObject(meta) && isObject(meta.metadata) && typeof meta.metadata.stackName === "string") {
      config.stackName = meta.metadata.stackName;
    }
    // `terraform.required_providers.keyform.version`: the JSON plan's `provider_config.keyform.version_constraint`.
    const tfBlock = json.terraform;
    const required = isObject(tfBlock) && isObject(tfBlock.required_providers) ? tfBlock.required_providers.keyform : undefined;
    if (isObject(required) && typeof required.version === "string") config.providerVersionConstraint = required.version;
    for (const key of Object.keys(json).sort()) {
      if (!["//", "terraform", "provider", "resource", "data", "output", "variable", "locals", "import", "moved", "removed"].includes(key)) {
        this.warning("Unsupported block ignored", `keyform does not evaluate ${quoted(key)} blocks; it was ignored.`);
      }
    }
    this.readVariables(json.variable);
    if (isObject(json.locals)) {
      const locals = json.locals;
      this.locals = Object.fromEntries(this.validNames("local value name", "local", locals).map((n) => [n, locals[n]]));
    }
    config.providers = this.readProviders(json.provider);
    const resources = isObject(json.resource) ? json.resource : {};
    const data = isObject(json.data) ? json.data : {};
    for (const type of this.validNames("resource type name", "resource", resources)) {
      if (type !== RESOURCE_TYPE) this.otherProvider("resource", type, resources[type]);
    }
    for (const type of this.validNames("data source type name", "data", data)) {
      if (type !== RESOURCE_TYPE) this.otherProvider("data", type, data[type]);
    }
    const dataBlocks = isObject(data[RESOURCE_TYPE]) ? (data[RESOURCE_TYPE] as Json) : {};
    const dataNames = this.validNames("data source name", `data ${quoted(RESOURCE_TYPE)}`, dataBlocks);
    for (const name of dataNames) this.dataNames.add(name);
    this.expandResources(isObject(resources[RESOURCE_TYPE]) ? (resources[RESOURCE_TYPE] as Json) : {});
    config.expansion = this.resourceExpansion;
    const providerKeys = new Set(config.providers.map((p) => p.key));
    for (const address of [...this.instances.keys()].sort(compareAddresses)) {
      const r = this.readResource(this.instances.get(address)!, config.providers, providerKeys);
      if (r) config.resources.push(r);
    }
    for (const name of dataNames) {
      const d = this.readDataSource(name, dataBlocks[name], config.providers, providerKeys);
      if (d) config.dataSources.push(d);
    }
    config.outputs = this.readOutputs(json.output);
    config.imports = this.readImports(json.import);
    config.moves = this.readMoves(json.moved);
    config.removed = this.readRemoved(json.removed);
  }

  private otherProvider(mode: "resource" | "data", type: string, blocks: unknown): void {
    const names = isObject(blocks) ? this.validNames(`${mode === "data" ? "data source" : "resource"} name`, `${mode} ${quoted(type)}`, blocks) : [];
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
    const declared = block === undefined ? {} : block;
    if (!isObject(declared)) return this.error("Invalid variable block", "\"variable\" must be an object of variable declarations.");
    for (const name of Object.keys(this.given).sort()) {
      if (!Object.hasOwn(declared, name)) {
        this.error(
          "Value for undeclared variable",
          `A variable named ${quoted(name)} was assigned a value, but the root module does not declare a variable of that name. To use this value, add a "variable" block to the configuration.`,
        );
      }
    }
    for (const name of this.validNames("variable name", "variable", declared)) {
      const v = declared[name];
      const decl = isObject(v) ? v : {};
      const where = `variable ${quoted(name)}`;
      if (decl.sensitive === true) this.sensitiveVariables.add(name);
      let type: VarType = { kind: "any" };
      if (decl.type !== undefined) {
        try {
          if (typeof decl.type !== "string") throw new VarTypeError("the type must be a string such as \"list(string)\"");
          type = parseVarType(decl.type.replace(/^\$\{(.*)\}$/s, "$1"));
        } catch (e) {
          if (!(e instanceof VarTypeError)) throw e;
          this.error("Invalid type specification", `${where}: ${e.message}`);
          continue;
        }
      }
      let value: unknown;
      let from: string;
      if (Object.hasOwn(this.given, name)) {
        value = this.given[name];
        from = "given";
      } else if ("default" in decl) {
        value = decl.default;
        from = "default";
      } else {
        this.error(
          "No value for required variable",
          `The root module input variable ${quoted(name)} is not set, and has no default value (declared by ${where}). Use a -var or -var-file command line argument to provide a value for this variable.`,
        );
        continue;
      }
      try {
        this.variables[name] = convertToType(value, type);
      } catch (e) {
        if (!(e instanceof VarTypeError)) throw e;
        this.error(
          from === "default" ? "Invalid default value for variable" : "Invalid value for input variable",
          `The given value is not suitable for var.${name} declared by ${where}: ${e.message}`,
        );
      }
    }
  }

  private readProviders(block: unknown): DesiredProvider[] {
    if (block === undefined) return [];
    if (!isObject(block)) {
      this.error("Invalid provider block", "\"provider\" must be an object keyed by provider name.");
      return [];
    }
    this.validNames("provider name", "provider", block);
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
      if (alias !== null && !this.validName("provider configuration alias", 'provider "keyform" alias', alias)) continue;
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

  // ---------------------------------------------------------------- expansion (count / for_each)

  private expandResources(blocks: Json): void {
    for (const name of this.validNames("resource name", `resource ${quoted(RESOURCE_TYPE)}`, blocks)) {
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
        // A stack can hold at most an account's largest key limit; a bigger count (say 2^53) would
        // otherwise expand until the server runs out of memory.
        if (count > this.limits.maxInstances || this.instances.size + count > this.limits.maxInstances) {
          this.error("Invalid count argument", `The given "count" argument value is too large: a stack holds at most ${this.limits.maxInstances} keys (${limitNote(this.limits, "maxInstances")}).`, base);
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
    const keys = value instanceof SetValue ? value.items : isObject(value) ? Object.keys(value).filter((k) => k !== "//") : null;
    // Counted before anything is sorted or expanded: a million-key map costs one pass.
    if (keys && this.instances.size + keys.length > this.limits.maxInstances) {
      this.error("Invalid for_each argument", `The given "for_each" argument value is too large: a stack holds at most ${this.limits.maxInstances} keys (${limitNote(this.limits, "maxInstances")}).`, ctx.address);
      return null;
    }
    if (value instanceof SetValue) return value.items.map((k) => [k, k]);
    if (isObject(value)) return keys!.sort().map((k) => [k, value[k]]);
    this.error(
      "Invalid for_each argument",
      "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings. Use toset([...]) for a list.",
      ctx.address,
    );
    return null;
  }

  // ---------------------------------------------------------------- resources

  private readResource(inst: Instance, providers: DesiredProvider[], providerKeys: Set<string>): DesiredResource | null {
    const { body, address } = inst;
    const deps = new Set<string>();
    const ctx = this.instanceCtx(inst, deps);
    const errorsBefore = this.errorCount;
    const supported = (key: string) => META_ARGUMENTS.includes(key) || (ARGUMENTS as readonly string[]).includes(key);
    if (!Object.keys(body).every(supported)) {
      for (const key of Object.keys(body).sort()) {
        if (supported(key)) continue;
        if ((WRITE_ONLY_ARGUMENTS as readonly string[]).includes(key)) {
          this.error(
            "Write-only argument not used by keyform's reconciler",
            `${key} is for terraform apply with terraform-provider-keyform (Terraform 1.11 or later). keyform plan/apply never keeps a secret in its state: the server generates the secret and hands it once to the apply that asked (keyform output). Remove ${key}, or run this configuration with terraform.`,
            address,
          );
        } else {
          this.error("Unsupported argument", `An argument named ${quoted(key)} is not expected here.`, address);
        }
      }
    }
    const args: Partial<Record<Argument, unknown>> = {};
    const deferred: DesiredResource["deferred"] = {};
    const sensitiveArgs: string[] = [];
    for (const arg of ARGUMENTS) {
      if (body[arg] === undefined || body[arg] === null) continue;
      try {
        const evaluated = this.argumentOf(inst, arg)!;
        for (const dep of evaluated.deps) {
          if (dep.startsWith(SENSITIVE_MARK)) {
            if (!sensitiveArgs.includes(arg)) sensitiveArgs.push(arg);
          } else ctx.deps.add(dep);
        }
        if (containsUnknown(evaluated.value)) {
          const v = evaluated.value;
          const refs = unknownRefs(v);
          const shown = [...new Set(refs.map(describeRef))].join(", ");
          const late = refs.filter((r) => !APPLY_KNOWN.includes(r.attribute ?? ""));
          if (arg === "name" && v instanceof UnknownValue && late.length === 0) {
            // Known after apply: the planner resolves what it can, apply the rest (and checks it then).
            deferred.name = [...v.parts];
            continue;
          }
          this.error(
            "Value known only after apply",
            arg !== "name"
              ? `${arg}: the value depends on ${shown}, which is known only after apply; keyform leaves only a key's name to be known after apply. Use a configured value for ${arg}.`
              : `name: the value depends on ${[...new Set(late.map(describeRef))].join(", ")}; a name may be built only from the ${APPLY_KNOWN.join(", ")} of other keys.`,
            address,
          );
          continue;
        }
        args[arg] = evaluated.value;
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        this.error("Unsupported expression", `${arg}: ${e.message}`, address);
      }
    }
    const str = (arg: Argument): string | null => {
      const v = args[arg];
      if (v === undefined || v === null) return null;
      if (typeof v !== "string") {
        this.error("Incorrect attribute value type", `Inappropriate value for attribute "${arg}": string required.`, address, invalid(arg));
        return null;
      }
      return v;
    };
    let scopes: string[] | null = null;
    if (args.scopes !== undefined && args.scopes !== null) {
      const v = args.scopes instanceof SetValue ? args.scopes.items : args.scopes;
      if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
        this.error("Incorrect attribute value type", 'Inappropriate value for attribute "scopes": list of string required.', address, invalid("scopes"));
      } else {
        scopes = v as string[];
      }
    }
    const type = str("type");
    if (type !== null && !["live", "temp", "legacy"].includes(type)) {
      this.error("Invalid key type", `type must be "live" or "temp" (or "legacy" for an imported key), not ${quoted(excerpt(type))}.`, address, invalid("type"));
    }
    const name = str("name");
    if (name === null && !deferred.name && this.errorCount === errorsBefore) {
      this.error("Missing required argument", 'The argument "name" is required, but no definition was found.', address, invalid("name"));
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
      this.error("Missing account", `${address} has no "account" argument and its provider configuration (${provider}) sets none.`, address, invalid("account"));
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
        rotation_overlap: str("rotation_overlap"),
      },
      configured: [...configured],
      lifecycle,
      dependsOn: [...deps].filter((d) => d !== address).sort(compareAddresses),
      expressions,
    };
    if (deferred.name) r.deferred = deferred;
    if (sensitiveArgs.length) r.sensitiveArgs = sensitiveArgs.sort();
    // An argument that could not be evaluated was reported: no rule is judged on what is left of it.
    if (this.errorCount > errorsBefore) r.invalid = true;
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
        this.error("Unsupported argument", `An argument named ${quoted(key)} is not expected here.`, address);
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
      expr = parseExpression(text, this.limits);
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      return fail(e.message);
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

}
