import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { quoted } from "../reconciler/render/safe-text";
import { CliError } from "./io";
import { readAll } from "./private-files";

export interface TfInput {
  config: Record<string, unknown>;
  stack: string | null;
  source: string;
}

/** The largest configuration file read (the server takes plan bodies of at most 8 MiB). */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(".." + sep) && rel !== ".." && !isAbsolute(rel));
};

/**
 * Reads configuration files only inside `root` (the folder the user named, or the folder of the file
 * they named): a symlink or manifest path that leads out of it is refused, so a pull request cannot
 * make the CLI send ~/.ssh or a credentials file to the server as "config".
 */
class ConfinedReader {
  private readonly realRoot: string;

  constructor(readonly root: string) {
    this.realRoot = realpathSync(root);
  }

  read(path: string): Record<string, unknown> {
    if (!inside(this.root, path)) throw new CliError(`${quoted(path)} is outside ${quoted(this.root)}: keyform reads configuration only inside the folder it was given`);
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new CliError(`${quoted(path)} does not exist`);
    }
    if (!inside(this.realRoot, real)) throw new CliError(`${quoted(path)} leads outside ${quoted(this.root)} (a symbolic link): keyform reads configuration only inside the folder it was given`);
    let fd: number;
    try {
      fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      throw new CliError(`cannot read ${quoted(path)}: ${(err as NodeJS.ErrnoException).code}`);
    }
    let text: string;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new CliError(`${quoted(path)} is not a regular file`);
      if (st.size > MAX_CONFIG_BYTES) throw new CliError(`${quoted(path)} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`);
      text = readAll(fd, st.size);
    } finally {
      closeSync(fd);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      // Never the parser's message: it quotes the file's first bytes.
      const at = /position (\d+)/.exec((err as Error).message);
      throw new CliError(`${quoted(path)} is not valid JSON${at ? ` (at character ${at[1]})` : ""}`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new CliError(`${quoted(path)} must hold a JSON object`);
    return parsed as Record<string, unknown>;
  }
}

function stackNameOf(config: Record<string, unknown>): string | null {
  const meta = (config["//"] as { metadata?: { stackName?: unknown } } | undefined)?.metadata;
  return typeof meta?.stackName === "string" ? meta.stackName : null;
}

/** Terraform reads every *.tf.json of a folder as one configuration: merge their top-level blocks. */
function mergeConfigs(parts: Array<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [block, value] of Object.entries(part)) {
      if (Array.isArray(value)) out[block] = [...((out[block] as unknown[]) ?? []), ...value];
      else if (value && typeof value === "object" && out[block] && typeof out[block] === "object") {
        const target = out[block] as Record<string, unknown>;
        for (const [k, v] of Object.entries(value)) {
          target[k] = v && typeof v === "object" && !Array.isArray(v) && target[k] && typeof target[k] === "object" ? { ...(target[k] as object), ...(v as object) } : v;
        }
      } else out[block] = value;
    }
  }
  return out;
}

/** A manifest's `synthesizedStackPath`: relative, and inside the cdktf.out folder. */
function stackPath(folder: string, raw: unknown, fallback: string): string {
  if (raw === undefined) return join(folder, fallback);
  if (typeof raw !== "string" || raw === "" || isAbsolute(raw) || normalize(raw).split(/[\\/]/).includes("..")) {
    throw new CliError(`manifest.json: synthesizedStackPath ${quoted(String(raw))} must be a relative path inside ${quoted(folder)}`);
  }
  return join(folder, raw);
}

/**
 * Finds the Terraform JSON to plan: a `cdktf.out` folder (through manifest.json), one stack folder
 * (`cdktf.out/stacks/NAME`), a folder of `*.tf.json` files, or one `*.tf.json` file.
 */
export function loadTfInput(cwd: string, pathArg: string | undefined, stackFlag: string | undefined): TfInput {
  const path = resolve(cwd, pathArg ?? "cdktf.out");
  if (!existsSync(path)) throw new CliError(pathArg ? `${quoted(path)} does not exist` : "No cdktf.out here: run `cdktf synth`, or pass a cdktf.out folder, a stack folder or a *.tf.json file.");
  // The path named (say, a committed `cdktf.out` link) must not itself lead out of the folder it is in.
  if (!inside(realpathSync(dirname(path)), realpathSync(path))) throw new CliError(`${quoted(path)} is a symbolic link leading outside ${quoted(dirname(path))}: keyform reads configuration only inside the folder it was given`);
  if (!statSync(path).isDirectory()) {
    const config = new ConfinedReader(dirname(path)).read(path);
    return { config, stack: stackFlag ?? stackNameOf(config), source: path };
  }
  const reader = new ConfinedReader(path);
  const manifest = join(path, "manifest.json");
  if (existsSync(manifest)) {
    const m = reader.read(manifest) as { stacks?: unknown };
    const stacks = m.stacks && typeof m.stacks === "object" ? Object.entries(m.stacks as Record<string, { synthesizedStackPath?: unknown }>) : [];
    const names = () => stacks.map(([n]) => quoted(n)).join(", ");
    if (stacks.length === 0) throw new CliError(`${quoted(manifest)} lists no stacks`);
    let chosen = stacks.find(([name]) => name === stackFlag);
    if (!chosen) {
      if (stackFlag) throw new CliError(`stack ${quoted(stackFlag)} is not in ${quoted(manifest)}; it has: ${names()}`);
      if (stacks.length > 1) throw new CliError(`${quoted(path)} holds several stacks; choose one with --stack: ${names()}`);
      chosen = stacks[0];
    }
    const file = stackPath(path, chosen[1]?.synthesizedStackPath, join("stacks", chosen[0], "cdk.tf.json"));
    const config = reader.read(file);
    return { config, stack: stackFlag ?? stackNameOf(config) ?? chosen[0], source: file };
  }
  const cdk = join(path, "cdk.tf.json");
  if (existsSync(cdk)) {
    const config = reader.read(cdk);
    return { config, stack: stackFlag ?? stackNameOf(config) ?? basename(path), source: cdk };
  }
  const files = readdirSync(path).filter((f) => f.endsWith(".tf.json")).sort();
  if (files.length === 0) throw new CliError(`${quoted(path)} has no manifest.json, cdk.tf.json or *.tf.json`);
  const config = mergeConfigs(files.map((f) => reader.read(join(path, f))));
  return { config, stack: stackFlag ?? stackNameOf(config), source: path };
}

/** The provider block's endpoint: used only when it is the one the user chose, or with --use-config-endpoint. */
export function providerEndpoint(config: Record<string, unknown>): string | undefined {
  const p = (config.provider as Record<string, unknown> | undefined)?.keyform;
  const blocks = Array.isArray(p) ? p : p ? [p] : [];
  const first = blocks.find((b) => b && typeof b === "object" && !(b as { alias?: unknown }).alias) ?? blocks[0];
  const endpoint = (first as { endpoint?: unknown } | undefined)?.endpoint;
  return typeof endpoint === "string" && !endpoint.includes("${") ? endpoint : undefined;
}
