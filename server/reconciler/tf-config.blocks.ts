import { MAX_DIAGNOSTICS } from "./evaluation-limits";
import { BAD_IDENTIFIER_DETAIL, compareAddresses, ExpressionError, IDENTIFIER, ForeignReferenceError, hasInterpolation, parseAddress, parseExpression, splitTemplate } from "./expression";
import { quoted } from "./render/safe-text";
import { ConfigEvaluator, type EvalCtx, isObject, type Json, RESOURCE_TYPE, SetValue } from "./tf-config.evaluator";
import type { AttributeRef, DesiredDataSource, DesiredOutput, DesiredProvider, Diagnostic, OutputExpression } from "./reconciler.types";

/**
 * The configuration's smaller blocks — data sources, outputs, import, moved, removed — and the
 * diagnostics plumbing the parser shares with them.
 */
export abstract class ConfigBlockReader extends ConfigEvaluator {
  protected diagnostics: Diagnostic[] = [];
  /** Errors reported so far, listed or not. */
  protected errorCount = 0;
  private unlisted = { error: 0, warning: 0 };

  // ---------------------------------------------------------------- diagnostics

  /** `about`: the code and argument of a refusal the other paths (REST, constructs, provider) name too. */
  protected error(summary: string, detail: string, address?: string, about?: { code: string; attribute: string }): void {
    this.errorCount++;
    this.record({ severity: "error", summary, detail, ...(address ? { address } : {}), ...(about ?? {}) });
  }

  protected warning(summary: string, detail: string, address?: string): void {
    this.record(address ? { severity: "warning", summary, detail, address } : { severity: "warning", summary, detail });
  }

  /** The diagnostic that stopped the evaluation: always listed. */
  protected fatal(d: Diagnostic): void {
    this.errorCount++;
    this.diagnostics.push(d);
  }

  /** A configuration with a million unknown arguments gets a thousand diagnostics and a count of the rest. */
  private record(d: Diagnostic): void {
    if (this.diagnostics.length < MAX_DIAGNOSTICS) this.diagnostics.push(d);
    else this.unlisted[d.severity]++;
  }

  /** Called once, when reading is done: says how many diagnostics were not listed. */
  protected closeDiagnostics(): void {
    const { error, warning } = this.unlisted;
    if (error + warning === 0) return;
    this.diagnostics.push({
      severity: error > 0 ? "error" : "warning",
      summary: "Too many diagnostics",
      detail: `${(error + warning).toLocaleString("en-US")} more diagnostics (${error} errors, ${warning} warnings) were not listed; fix the ones above first.`,
    });
  }

  /**
   * The keys of a block that are valid Terraform names, sorted; `//` (a comment) is skipped. Every
   * other key is an error naming its place, with the name quoted and escaped.
   */
  protected validNames(what: string, place: string, block: Json): string[] {
    return Object.keys(block)
      .filter((name) => name !== "//" && this.validName(what, place, name))
      .sort();
  }

  protected validName(what: string, place: string, name: string): boolean {
    if (IDENTIFIER.test(name)) return true;
    this.error(`Invalid ${what}`, `${place} ${quoted(name)}: ${BAD_IDENTIFIER_DETAIL}`);
    return false;
  }

  protected stringArg(raw: unknown, ctx: EvalCtx, what: string): string | null {
    if (raw === undefined || raw === null) return null;
    const v = this.evaluate(raw, ctx, what);
    if (v === undefined) return null;
    if (typeof v !== "string") {
      this.error("Incorrect attribute value type", `Inappropriate value for attribute "${what}": string required.`, ctx.address);
      return null;
    }
    return v;
  }

  // ---------------------------------------------------------------- evaluation

  /** Evaluates a JSON value whose strings may hold templates; undefined after reporting an error. */
  protected evaluate(raw: unknown, ctx: EvalCtx, what: string): unknown {
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

  // ---------------------------------------------------------------- data, outputs, import, moved, removed

  protected readDataSource(name: string, body: unknown, providers: DesiredProvider[], providerKeys: Set<string>): DesiredDataSource | null {
    const address = `data.${RESOURCE_TYPE}.${name}`;
    if (!isObject(body)) {
      this.error("Invalid data block", `The body of ${address} must be an object.`, address);
      return null;
    }
    const ctx: EvalCtx = { address, deps: new Set(), mode: "arguments" };
    for (const key of Object.keys(body).sort()) {
      if (!["//", "id", "name", "account", "provider", "depends_on"].includes(key)) {
        this.error("Unsupported argument", `An argument named ${quoted(key)} is not expected here.`, address);
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

  protected readOutputs(block: unknown): DesiredOutput[] {
    if (block === undefined) return [];
    if (!isObject(block)) {
      this.error("Invalid output block", "\"output\" must be an object of output declarations.");
      return [];
    }
    const out: DesiredOutput[] = [];
    for (const name of this.validNames("output name", "output", block)) {
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
        if (e instanceof ForeignReferenceError) {
          // Outputs of a mixed stack may read other providers' objects; keyform just does not manage them.
          this.warning("Output not evaluated", `output "${name}" refers to objects keyform does not manage (${e.message}); it was left out.`, address);
        } else {
          this.error("Unsupported expression", `output "${name}": ${e.message}`, address);
        }
        continue;
      }
      const o: DesiredOutput = { name, sensitive: body.sensitive === true, expression, rawExpression: body.value };
      if (typeof body.description === "string") o.description = body.description;
      out.push(o);
    }
    return out;
  }

  protected outputExpression(raw: unknown, ctx: EvalCtx): OutputExpression {
    if (typeof raw !== "string") {
      if (hasInterpolation(raw)) throw new ExpressionError("references are supported only in string outputs, not inside lists or objects.");
      // Written into the plan several times over: paid for like a value a reference returns.
      return { kind: "literal", value: this.returned(raw, ctx) };
    }
    const parts = splitTemplate(raw);
    if (parts.length === 1 && "expr" in parts[0]) {
      const v = this.evalExpr(parseExpression(parts[0].expr, this.limits), ctx);
      return v.known ? { kind: "literal", value: v.value instanceof SetValue ? v.value.items : v.value } : { kind: "ref", ref: v.ref };
    }
    const out: Array<string | AttributeRef> = [];
    for (const part of parts) {
      if ("lit" in part) out.push(part.lit);
      else {
        const v = this.evalExpr(parseExpression(part.expr, this.limits), ctx);
        if (!v.known) out.push(v.ref);
        else if (typeof v.value === "string" || typeof v.value === "number" || typeof v.value === "boolean") out.push(String(v.value));
        else throw new ExpressionError(`${quoted(part.expr)} is not a string and cannot be interpolated.`);
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

  protected readImports(raw: unknown): Array<{ id: string; to: string }> {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
      this.error("Invalid import block", "\"import\" must be a list of import blocks.");
      return [];
    }
    const out: Array<{ id: string; to: string }> = [];
    const targets = new Set<string>();
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
      if (targets.has(to)) {
        this.error("Duplicate import configuration", `An import block for ${to} was already declared.`, to);
        continue;
      }
      targets.add(to);
      out.push({ id, to });
    }
    return out.sort((a, b) => compareAddresses(a.to, b.to));
  }

  protected readMoves(raw: unknown): Array<{ from: string; to: string }> {
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

  protected readRemoved(raw: unknown): Array<{ from: string; destroy: boolean }> {
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
