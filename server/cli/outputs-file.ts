import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliError } from "./io";

/** `terraform output -json` shape. */
export type OutputsFile = Record<string, { sensitive: boolean; type: string; value?: unknown }>;

export interface ApplyOutputs {
  [name: string]: { sensitive: boolean; type: string; value?: unknown; unavailable?: boolean };
}

export const outputsPath = (cwd: string, stack: string) => resolve(cwd, ".keyform", "outputs", `${stack}.json`);

export function readOutputs(path: string): OutputsFile {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as OutputsFile;
  } catch {
    throw new CliError(`${path} is not valid JSON`);
  }
}

/** Written readable by the user only (0600), atomically, like Terraform's local state. */
export function writeOutputs(path: string, data: OutputsFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Merges an apply's outputs into what the file already had: the apply's set of names wins; a value
 * the server no longer has (a secret of a key this apply did not create) keeps its earlier value.
 */
export function mergeOutputs(previous: OutputsFile, applied: ApplyOutputs): OutputsFile {
  const merged: OutputsFile = {};
  for (const name of Object.keys(applied).sort()) {
    const o = applied[name];
    if (!o.unavailable) merged[name] = { sensitive: o.sensitive, type: o.type, value: o.value };
    else if (previous[name] && "value" in previous[name]) merged[name] = { ...previous[name], sensitive: o.sensitive };
    else merged[name] = { sensitive: o.sensitive, type: o.type };
  }
  return merged;
}

/** The stack whose outputs to read: --stack, else the only outputs file here. */
export function defaultOutputsStack(cwd: string): string {
  const dir = resolve(cwd, ".keyform", "outputs");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
  if (files.length === 1) return files[0].slice(0, -5);
  if (files.length === 0) throw new CliError("No outputs here yet: run `keyform apply` first (or pass --outputs-file).");
  throw new CliError(`Several stacks have outputs here; choose one with --stack: ${files.map((f) => f.slice(0, -5)).join(", ")}`);
}

