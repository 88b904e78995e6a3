import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { quoted } from "../reconciler/render/safe-text";
import { CliError } from "./cli-error";

/** The largest -var-file keyform reads (the whole plan request is bounded by the server too). */
export const MAX_VAR_FILE_BYTES = 1 << 20;

export interface VarSources {
  /** `-var NAME=VALUE`, in command-line order. */
  vars: string[];
  /** `-var-file FILE`, in command-line order. */
  varFiles: string[];
}

type Declarations = Record<string, { type?: unknown; sensitive?: unknown }>;

const COMPLEX = /^\s*(\$\{)?\s*(list|set|map|object|tuple)\s*\(/;

/**
 * The values to send with a plan for the configuration's input variables, merged as Terraform does:
 * TF_VAR_name < each -var-file in order < each -var in order (the declaration's default is the
 * server's, when none of these gives a value). -var for an undeclared variable is an error, a
 * -var-file one a warning, a TF_VAR_ one ignored — as Terraform. Values are never echoed in messages.
 */
export function collectVariables(cwd: string, env: NodeJS.ProcessEnv, config: Record<string, unknown>, s: VarSources, warn: (text: string) => void): Record<string, unknown> {
  const block = config.variable;
  const declared: Declarations = block && typeof block === "object" && !Array.isArray(block) ? (block as Declarations) : {};
  const isDeclared = (name: string) => Object.hasOwn(declared, name);
  // A string given for a list, map or object variable is read as JSON (terraform reads HCL there).
  const fromString = (name: string, raw: string, from: string): unknown => {
    const type = declared[name]?.type;
    if (typeof type !== "string" || !COMPLEX.test(type)) return raw;
    try {
      return JSON.parse(raw);
    } catch {
      throw new CliError(`Invalid value for ${from} variable ${quoted(name)}: it is declared as ${quoted(type)}, and keyform reads such values as JSON, such as ["a","b"] or {"key":"value"}.`);
    }
  };
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(env).sort()) {
    if (!key.startsWith("TF_VAR_")) continue;
    const name = key.slice("TF_VAR_".length);
    if (!isDeclared(name) || env[key] === undefined) continue;
    values[name] = fromString(name, env[key]!, "environment");
  }
  for (const file of s.varFiles) {
    const path = resolve(cwd, file);
    if (!/\.json$/i.test(path)) {
      throw new CliError(`-var-file ${quoted(file)}: keyform reads only .tfvars.json variable files (JSON), not HCL .tfvars; write the values as a JSON object in a .tfvars.json file.`);
    }
    let text: string;
    try {
      if (statSync(path).size > MAX_VAR_FILE_BYTES) throw new CliError(`-var-file ${quoted(file)} is larger than ${MAX_VAR_FILE_BYTES} bytes`);
      text = readFileSync(path, "utf8");
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`Failed to read variables file: given variables file ${quoted(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}).`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`-var-file ${quoted(file)} is not valid JSON.`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new CliError(`-var-file ${quoted(file)} must hold a JSON object of variable values.`);
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (!isDeclared(name)) {
        warn(`Warning: Value for undeclared variable\n\nThe root module does not declare a variable named ${quoted(name)} but a value was found in file ${quoted(file)}. If you meant to use this value, add a "variable" block to the configuration.`);
        continue;
      }
      values[name] = value;
    }
  }
  for (const arg of s.vars) {
    const eq = arg.indexOf("=");
    if (eq <= 0) {
      throw new CliError(`Invalid -var option: the given -var option ${quoted(eq < 0 ? arg : arg.slice(0, 1) + "…")} is not correctly specified. Must be a variable name and value separated by an equals sign, like -var="key=value".`);
    }
    const name = arg.slice(0, eq);
    if (!isDeclared(name)) {
      throw new CliError(`Value for undeclared variable: a variable named ${quoted(name)} was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a "variable" block to the configuration.`);
    }
    values[name] = fromString(name, arg.slice(eq + 1), "-var");
  }
  return values;
}

/** Terraform spells these with one dash: `-var` and `-var-file` are read as `--var` and `--var-file`. */
export function terraformVarFlags(argv: string[]): string[] {
  return argv.map((a) => (a === "-var" || a === "-var-file" ? `-${a}` : a.startsWith("-var=") || a.startsWith("-var-file=") ? `-${a}` : a));
}
