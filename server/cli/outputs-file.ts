import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, writeSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { quoted } from "../reconciler/render/safe-text";
import { isStackName } from "../stacks/stack-name";
import { CliError } from "./io";
import { ensurePrivateDir, readPrivateFile, writePrivateFile } from "./private-files";

/**
 * The local outputs file (`.keyform/outputs/<stack>.json`): `terraform output -json` shape, mode 0600,
 * the trust of Terraform's local state. Each value this CLI wrote carries `keyform_mac`, an HMAC under
 * the user's outputs key, which lives outside the repository (`$XDG_STATE_HOME/keyform/outputs.key`).
 * A value without a valid one — planted in a commit, or written by another user — is never merged
 * into a later apply nor handed on by `keyform output`.
 */

/** A key whose secret an output holds, as the apply that delivered it left the key. */
export interface SecretSource {
  account: string;
  id: string;
  type: string;
  expires_at: string | null;
}

/** `terraform output -json` shape; `secret_of` names the keys whose secret a value holds. */
export type OutputsFile = Record<string, { sensitive: boolean; type: string; value?: unknown; secret_of?: SecretSource[] }>;

export interface ApplyOutputs {
  [name: string]: { sensitive: boolean; type: string; value?: unknown; unavailable?: boolean; secret_of?: SecretSource[] };
}

/** The default outputs file of a stack; `stack` must have passed `isStackName`. */
export const outputsPath = (cwd: string, stack: string) => resolve(cwd, ".keyform", "outputs", `${stack}.json`);

/** The user's outputs key, created on first use (32 random bytes, 0600, in a 0700 folder). */
export function outputsKey(env: NodeJS.ProcessEnv): Buffer {
  const base = env.XDG_STATE_HOME || (env.HOME ? join(env.HOME, ".local", "state") : "");
  if (!base || !isAbsolute(base)) throw new CliError("Set HOME (or XDG_STATE_HOME): keyform keeps there the key that marks the outputs it writes.");
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const dir = join(base, "keyform");
  ensurePrivateDir(base, dir);
  const file = join(dir, "outputs.key");
  let read = readPrivateFile(file, 1024);
  if (!read.ok && read.why === "missing") {
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, randomBytes(32).toString("hex") + "\n");
      closeSync(fd);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new CliError(`cannot create ${quoted(file)}: ${(err as NodeJS.ErrnoException).code}`);
    }
    read = readPrivateFile(file, 1024);
  }
  const hex = read.ok ? read.text.trim() : "";
  if (!read.ok || !/^[0-9a-f]{64}$/.test(hex)) {
    throw new CliError(`refusing the outputs key ${quoted(file)}: ${read.ok ? "it is not a key keyform wrote" : read.why}; remove it to make a new one`);
  }
  return Buffer.from(hex, "hex");
}

const macOf = (key: Buffer, name: string, e: { sensitive: boolean; type: string; value?: unknown; secret_of?: SecretSource[] }) =>
  createHmac("sha256", key).update(JSON.stringify(e.secret_of ? [name, e.sensitive, e.type, e.value ?? null, e.secret_of] : [name, e.sensitive, e.type, e.value ?? null])).digest();

const isSecretSources = (v: unknown): v is SecretSource[] =>
  Array.isArray(v) &&
  v.every((k) => k && typeof k === "object" && typeof k.account === "string" && typeof k.id === "string" && typeof k.type === "string" && (k.expires_at === null || typeof k.expires_at === "string"));

export interface OutputsRead {
  outputs: OutputsFile;
  /** Outputs whose value the file holds but this CLI did not write: left out. */
  ignored: string[];
  /** Why the whole file was left out, when it was. */
  refused?: string;
}

export function readOutputs(path: string, key: Buffer): OutputsRead {
  const read = readPrivateFile(path);
  if (!read.ok) return read.why === "missing" ? { outputs: {}, ignored: [] } : { outputs: {}, ignored: [], refused: read.why };
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch {
    return { outputs: {}, ignored: [], refused: "it is not valid JSON" };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { outputs: {}, ignored: [], refused: "it is not a JSON object" };
  const outputs: OutputsFile = {};
  const ignored: string[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    const e = raw as { sensitive?: unknown; type?: unknown; value?: unknown; keyform_mac?: unknown; secret_of?: unknown } | null;
    if (!e || typeof e !== "object" || typeof e.sensitive !== "boolean" || typeof e.type !== "string") continue;
    const entry: OutputsFile[string] = { sensitive: e.sensitive, type: e.type };
    if ("value" in e) {
      const mac = typeof e.keyform_mac === "string" ? Buffer.from(e.keyform_mac, "base64url") : Buffer.alloc(0);
      const sources = isSecretSources(e.secret_of) ? { secret_of: e.secret_of } : {};
      const expected = macOf(key, name, { ...entry, value: e.value, ...sources });
      if (mac.length === expected.length && timingSafeEqual(mac, expected)) Object.assign(entry, { value: e.value }, sources);
      else ignored.push(name);
    }
    outputs[name] = entry;
  }
  return { outputs, ignored };
}

/** Written through `writePrivateFile` (0600, atomic, no-follow), each value marked with its MAC. */
export function writeOutputs(path: string, data: OutputsFile, key: Buffer): void {
  const marked: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(data)) {
    marked[name] = "value" in e ? { ...e, keyform_mac: macOf(key, name, e).toString("base64url") } : e;
  }
  writePrivateFile(path, JSON.stringify(marked, null, 2) + "\n");
}

/** Creates `.keyform/outputs` under `cwd` as a private folder (refusing a planted link or foreign folder). */
export function ensureOutputsDir(cwd: string): void {
  ensurePrivateDir(resolve(cwd), resolve(cwd, ".keyform", "outputs"));
}

/**
 * Merges an apply's outputs into what the file already had: the apply's set of names wins; a value
 * the server no longer has (a secret of a key this apply did not create) keeps its earlier value.
 */
export function mergeOutputs(previous: OutputsFile, applied: ApplyOutputs): OutputsFile {
  const merged: OutputsFile = {};
  for (const name of Object.keys(applied).sort()) {
    const o = applied[name];
    if (!o.unavailable) merged[name] = { sensitive: o.sensitive, type: o.type, value: o.value, ...(o.secret_of ? { secret_of: o.secret_of } : {}) };
    else if (previous[name] && "value" in previous[name]) merged[name] = { ...previous[name], sensitive: o.sensitive };
    else merged[name] = { sensitive: o.sensitive, type: o.type };
  }
  return merged;
}

/** The stack whose outputs to read: --stack, else the only outputs file here. */
export function defaultOutputsStack(cwd: string): string {
  const dir = resolve(cwd, ".keyform", "outputs");
  const stacks = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).filter(isStackName) : [];
  if (stacks.length === 1) return stacks[0];
  if (stacks.length === 0) throw new CliError("No outputs here yet: run `keyform apply` first (or pass --outputs-file).");
  throw new CliError(`Several stacks have outputs here; choose one with --stack: ${stacks.join(", ")}`);
}

/** A one-line warning about values left out of an outputs file, or null. */
export function untrustedWarning(path: string, read: OutputsRead): string | null {
  if (read.refused) return `Warning: ignoring ${quoted(path)}: ${read.refused}.`;
  if (read.ignored.length) return `Warning: ignoring the values of ${read.ignored.map(quoted).join(", ")} in ${quoted(path)}: keyform on this machine did not write them.`;
  return null;
}
