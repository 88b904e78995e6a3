/**
 * Input variables as Terraform assigns them: a value given with the plan (the CLI merges defaults <
 * TF_VAR_ < -var-file < -var), else the declaration's default; converted to the declared `type`
 * (string, number, bool, list/set/map/tuple/object of those, any) with Terraform's conversions.
 */

export type VarType =
  | { kind: "any" | "string" | "number" | "bool" }
  | { kind: "list" | "set" | "map"; of: VarType }
  | { kind: "tuple"; items: VarType[] }
  | { kind: "object"; attrs: Record<string, { type: VarType; optional: boolean }> };

export class VarTypeError extends Error {}

/** Parses a type constraint as Terraform JSON writes it (`"list(string)"`, `"object({a=string})"`). */
export function parseVarType(text: string): VarType {
  let pos = 0;
  const src = text;
  const ws = () => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
  };
  const ident = (): string => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(pos));
    if (!m) throw new VarTypeError(`invalid type constraint ${JSON.stringify(text)}`);
    pos += m[0].length;
    return m[0];
  };
  const eat = (c: string) => {
    ws();
    if (src[pos] !== c) throw new VarTypeError(`invalid type constraint ${JSON.stringify(text)}: expected "${c}"`);
    pos++;
  };
  const peek = (c: string) => {
    ws();
    return src[pos] === c;
  };
  const type = (depth: number): VarType => {
    if (depth > 16) throw new VarTypeError("type constraint nested too deeply");
    const name = ident();
    if (name === "any" || name === "string" || name === "number" || name === "bool") return { kind: name };
    if (name === "list" || name === "set" || name === "map") {
      eat("(");
      const of = type(depth + 1);
      eat(")");
      return { kind: name, of };
    }
    if (name === "tuple") {
      eat("(");
      eat("[");
      const items: VarType[] = [];
      while (!peek("]")) {
        items.push(type(depth + 1));
        if (peek(",")) pos++;
        else break;
      }
      eat("]");
      eat(")");
      return { kind: "tuple", items };
    }
    if (name === "object") {
      eat("(");
      eat("{");
      const attrs: Record<string, { type: VarType; optional: boolean }> = {};
      while (!peek("}")) {
        const key = ident();
        eat("=");
        ws();
        let optional = false;
        let t: VarType;
        if (src.startsWith("optional", pos) && src.slice(pos + 8).trimStart().startsWith("(")) {
          ident();
          eat("(");
          t = type(depth + 1);
          if (peek(",")) throw new VarTypeError("optional() defaults are not supported in type constraints");
          eat(")");
          optional = true;
        } else {
          t = type(depth + 1);
        }
        attrs[key] = { type: t, optional };
        if (peek(",")) pos++;
        else break;
      }
      eat("}");
      eat(")");
      return { kind: "object", attrs };
    }
    throw new VarTypeError(`unknown type ${JSON.stringify(name)} in type constraint`);
  };
  const t = type(0);
  ws();
  if (pos !== src.length) throw new VarTypeError(`invalid type constraint ${JSON.stringify(text)}`);
  return t;
}

const article = (t: VarType): string => {
  switch (t.kind) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "bool":
      return "a bool";
    case "list":
      return "a list";
    case "set":
      return "a set";
    case "map":
      return "a map";
    case "tuple":
      return "a tuple";
    case "object":
      return "an object";
    default:
      return "a value";
  }
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The value converted to the type, as Terraform converts (numbers and bools to strings, numeric and
 * "true"/"false" strings back); a VarTypeError says what was required, never the value (it may be sensitive).
 */
export function convertToType(value: unknown, t: VarType, path = ""): unknown {
  const at = path ? ` at ${path}` : "";
  const fail = (): never => {
    throw new VarTypeError(`${article(t)} is required${at}.`);
  };
  if (value === null) return null;
  switch (t.kind) {
    case "any":
      return value;
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      return fail();
    case "number":
      if (typeof value === "number") return value;
      if (typeof value === "string" && /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(value.trim())) return Number(value);
      return fail();
    case "bool":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      return fail();
    case "list":
    case "set": {
      if (!Array.isArray(value)) return fail();
      const items = value.map((v, i) => convertToType(v, t.of, `${path}[${i}]`));
      return t.kind === "set" ? [...new Map(items.map((i) => [JSON.stringify(i), i])).values()] : items;
    }
    case "tuple":
      if (!Array.isArray(value) || value.length !== t.items.length) return fail();
      return value.map((v, i) => convertToType(v, t.items[i], `${path}[${i}]`));
    case "map":
      if (!isObj(value)) return fail();
      return Object.fromEntries(Object.keys(value).map((k) => [k, convertToType(value[k], t.of, `${path}[${JSON.stringify(k)}]`)]));
    case "object": {
      if (!isObj(value)) return fail();
      const out: Record<string, unknown> = {};
      for (const [k, a] of Object.entries(t.attrs)) {
        if (!(k in value) || value[k] === null) {
          if (!a.optional) throw new VarTypeError(`attribute ${JSON.stringify(k)} is required${at}.`);
          out[k] = null;
        } else {
          out[k] = convertToType(value[k], a.type, `${path}.${k}`);
        }
      }
      return out;
    }
  }
}
