import { DEFAULT_LIMITS, type EvaluationLimits, excerpt, LimitError, limitNote } from "./evaluation-limits";

/**
 * The small subset of Terraform's expression language that keyform evaluates: `${…}` templates holding
 * traversals (`var.x`, `each.value`, `keyform_api_key.k["a"].secret`), number/string literals, list
 * literals and `toset([...])`. Everything else is reported, never guessed at.
 */
import { quoted } from "./render/safe-text";

/**
 * A Terraform identifier (resource, data source, output, variable, local and provider names, aliases,
 * resource types, argument names) as keyform accepts it.
 */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const BAD_IDENTIFIER_DETAIL = "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.";

export type Step = { attr: string } | { index: number | string } | { splat: true };

export type Expr =
  | { kind: "traversal"; root: string; steps: Step[] }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "list"; items: Expr[] }
  | { kind: "call"; fn: string; args: Expr[] };

export type TemplatePart = { lit: string } | { expr: string };

export class ExpressionError extends Error {}

/** A reference to something keyform does not manage (another provider's object, a module, a path). */
export class ForeignReferenceError extends ExpressionError {}

/** Splits a JSON string into literal text and `${…}` interpolations. `$${` is a literal `${`. */
export function splitTemplate(text: string): TemplatePart[] {
  // No "${", "%{" or their escapes: the text is one literal (most configured values).
  if (!text.includes("{")) return [{ lit: text }];
  const parts: TemplatePart[] = [];
  let lit = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      lit += "${";
      i += 3;
    } else if (text.startsWith("%%{", i)) {
      lit += "%{";
      i += 3;
    } else if (text.startsWith("%{", i)) {
      throw new ExpressionError("Template directives (%{ … }) are not supported.");
    } else if (text.startsWith("${", i)) {
      const end = closingBrace(text, i + 2);
      if (lit) parts.push({ lit });
      lit = "";
      parts.push({ expr: text.slice(i + 2, end).trim() });
      i = end + 1;
    } else {
      lit += text[i];
      i += 1;
    }
  }
  if (lit || parts.length === 0) parts.push({ lit });
  return parts;
}

function closingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = skipString(text, i);
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new ExpressionError("Unterminated template interpolation: missing }.");
}

function skipString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  throw new ExpressionError("Unterminated string literal.");
}

export function hasInterpolation(value: unknown): boolean {
  if (typeof value === "string") return splitTemplate(value).some((p) => "expr" in p);
  if (Array.isArray(value)) return value.some(hasInterpolation);
  if (value && typeof value === "object") return Object.values(value).some(hasInterpolation);
  return false;
}

// ---------------------------------------------------------------- parser

type Token = { t: "ident" | "number" | "string" | "punct"; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))![0];
      out.push({ t: "ident", v: m });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))![0];
      out.push({ t: "number", v: m });
      i += m.length;
    } else if (c === '"') {
      const end = skipString(src, i);
      const raw = src.slice(i, end + 1);
      let value: string;
      try {
        value = JSON.parse(raw) as string;
      } catch {
        throw new ExpressionError(`Invalid string literal ${quoted(excerpt(raw))}.`);
      }
      if (value.includes("${")) throw new ExpressionError("Nested templates are not supported.");
      out.push({ t: "string", v: value });
      i = end + 1;
    } else if (".[](),*".includes(c)) {
      out.push({ t: "punct", v: c });
      i++;
    } else {
      throw new ExpressionError(`Unsupported operator or character ${quoted(c)} in expression.`);
    }
  }
  return out;
}

/** Parses one `${…}` expression; lists and calls nested deeper than `limits.maxDepth` are a LimitError. */
export function parseExpression(src: string, limits: EvaluationLimits = DEFAULT_LIMITS): Expr {
  const toks = tokenize(src);
  const shown = quoted(excerpt(src));
  let pos = 0;
  let depth = 0;
  const peek = () => toks[pos];
  const eat = (v: string) => {
    const tok = toks[pos];
    if (!tok || tok.t !== "punct" || tok.v !== v) throw new ExpressionError(`Expected "${v}" in expression ${shown}.`);
    pos++;
  };
  // Recursive descent: the depth check keeps `[[[[…]]]]` from exhausting the call stack.
  const nested = <T>(parse: () => T): T => {
    if (++depth > limits.maxDepth) {
      throw new LimitError("maxDepth", "Expression nested too deeply", `The expression ${shown} nests lists or function calls more than ${limits.maxDepth} levels deep; ${limitNote(limits, "maxDepth")}.`);
    }
    try {
      return parse();
    } finally {
      depth--;
    }
  };
  const primary = (): Expr => nested(primaryAt);
  const primaryAt = (): Expr => {
    const tok = toks[pos++];
    if (!tok) throw new ExpressionError(`Incomplete expression ${shown}.`);
    if (tok.t === "string") return { kind: "string", value: tok.v };
    if (tok.t === "number") return { kind: "number", value: Number(tok.v) };
    if (tok.t === "punct" && tok.v === "[") {
      const items: Expr[] = [];
      while (!(peek()?.t === "punct" && peek().v === "]")) {
        items.push(primary());
        if (peek()?.t === "punct" && peek().v === ",") pos++;
        else break;
      }
      eat("]");
      return { kind: "list", items };
    }
    if (tok.t === "ident") {
      if (tok.v === "true" || tok.v === "false" || tok.v === "null") {
        throw new ExpressionError(`Literal ${tok.v} is not supported here.`);
      }
      if (peek()?.t === "punct" && peek().v === "(") {
        pos++;
        const args: Expr[] = [];
        while (!(peek()?.t === "punct" && peek().v === ")")) {
          args.push(primary());
          if (peek()?.t === "punct" && peek().v === ",") pos++;
          else break;
        }
        eat(")");
        return { kind: "call", fn: tok.v, args };
      }
      const steps: Step[] = [];
      for (;;) {
        const next = peek();
        if (next?.t === "punct" && next.v === ".") {
          pos++;
          const name = toks[pos++];
          if (!name) throw new ExpressionError(`Incomplete expression ${shown}.`);
          if (name.t === "ident") steps.push({ attr: name.v });
          else if (name.t === "number") steps.push({ index: Number(name.v) });
          else if (name.t === "punct" && name.v === "*") steps.push({ splat: true });
          else throw new ExpressionError(`Invalid attribute access in ${shown}.`);
        } else if (next?.t === "punct" && next.v === "[") {
          pos++;
          const key = toks[pos++];
          if (key?.t === "number") steps.push({ index: Number(key.v) });
          else if (key?.t === "string") steps.push({ index: key.v });
          else if (key?.t === "punct" && key.v === "*") steps.push({ splat: true });
          else throw new ExpressionError(`Only literal indexes are supported in ${shown}.`);
          eat("]");
        } else {
          break;
        }
      }
      return { kind: "traversal", root: tok.v, steps };
    }
    throw new ExpressionError(`Unsupported expression ${shown}.`);
  };
  const expr = primary();
  if (pos !== toks.length) throw new ExpressionError(`Unsupported expression ${shown}: only references, literals and toset() are evaluated.`);
  return expr;
}

/** Terraform's instance-key syntax: `[0]`, `["a"]`. */
export function indexSuffix(index: number | string | undefined): string {
  if (index === undefined) return "";
  return typeof index === "number" ? `[${index}]` : `[${JSON.stringify(index)}]`;
}

/** Splits `keyform_api_key.k["a"]` / `data.keyform_api_key.x` into its parts; null when malformed. */
type ParsedAddress = { mode: "managed" | "data"; type: string; name: string; index?: number | string };
const parsedAddresses = new Map<string, Readonly<ParsedAddress> | null>();

/** Memoized (a plan parses each of its 10,000+ addresses several times); results are read-only. */
export function parseAddress(address: string): Readonly<ParsedAddress> | null {
  let p = parsedAddresses.get(address);
  if (p === undefined) {
    p = parseAddressUncached(address);
    if (parsedAddresses.size > 200_000) parsedAddresses.clear();
    parsedAddresses.set(address, p);
  }
  return p;
}

function parseAddressUncached(address: string): ParsedAddress | null {
  let expr: Expr;
  try {
    expr = parseExpression(address);
  } catch {
    return null;
  }
  if (expr.kind !== "traversal") return null;
  let mode: "managed" | "data" = "managed";
  let type = expr.root;
  let steps = expr.steps;
  if (type === "data") {
    mode = "data";
    const first = steps[0];
    if (!first || !("attr" in first)) return null;
    type = first.attr;
    steps = steps.slice(1);
  }
  const nameStep = steps[0];
  if (!nameStep || !("attr" in nameStep)) return null;
  if (steps.length === 1) return { mode, type, name: nameStep.attr };
  const idx = steps[1];
  if (steps.length === 2 && "index" in idx) return { mode, type, name: nameStep.attr, index: idx.index };
  return null;
}

const addressKeys = new Map<string, [string, number, number | string]>();

/** Orders addresses as Terraform lists them: by resource, then numeric indexes numerically, then string keys. */
export function compareAddresses(a: string, b: string): number {
  const ka = addressKey(a);
  const kb = addressKey(b);
  if (ka[0] !== kb[0]) return ka[0] < kb[0] ? -1 : 1;
  if (ka[1] !== kb[1]) return ka[1] - kb[1];
  if (ka[2] === kb[2]) return 0;
  return ka[2] < kb[2] ? -1 : 1;
}

function addressKey(address: string): [string, number, number | string] {
  let key = addressKeys.get(address);
  if (!key) {
    const p = parseAddress(address);
    if (!p) key = [address, 0, ""];
    else {
      const base = `${p.mode === "data" ? "data." : ""}${p.type}.${p.name}`;
      key = p.index === undefined ? [base, 0, ""] : typeof p.index === "number" ? [base, 1, p.index] : [base, 2, p.index];
    }
    // Sized for the largest stacks (10,000+ instances, sorted several times per plan): a smaller cap
    // cleared the memo mid-sort and made every comparison re-parse both addresses.
    if (addressKeys.size > 200_000) addressKeys.clear();
    addressKeys.set(address, key);
  }
  return key;
}

/** Resource address (without instance key) of an instance address. */
export function resourceOf(address: string): string {
  // The memoized sort key starts with exactly this (or the address itself when it does not parse).
  return addressKey(address)[0];
}
