import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { CliError } from "./io";

export interface TfInput {
  config: Record<string, unknown>;
  stack: string | null;
  source: string;
}

function readJson(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new CliError(`${path} must hold a JSON object`);
  return parsed as Record<string, unknown>;
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

/**
 * Finds the Terraform JSON to plan: a `cdktf.out` folder (through manifest.json), one stack folder
 * (`cdktf.out/stacks/NAME`), a folder of `*.tf.json` files, or one `*.tf.json` file.
 */
export function loadTfInput(cwd: string, pathArg: string | undefined, stackFlag: string | undefined): TfInput {
  const path = resolve(cwd, pathArg ?? "cdktf.out");
  if (!existsSync(path)) throw new CliError(pathArg ? `${path} does not exist` : "No cdktf.out here: run `cdktf synth`, or pass a cdktf.out folder, a stack folder or a *.tf.json file.");
  if (statSync(path).isFile()) {
    const config = readJson(path);
    return { config, stack: stackFlag ?? stackNameOf(config), source: path };
  }
  const manifest = join(path, "manifest.json");
  if (existsSync(manifest)) {
    const m = readJson(manifest) as { stacks?: Record<string, { synthesizedStackPath?: string; name?: string }> };
    const stacks = Object.entries(m.stacks ?? {});
    if (stacks.length === 0) throw new CliError(`${manifest} lists no stacks`);
    let chosen = stacks.find(([name]) => name === stackFlag);
    if (!chosen) {
      if (stackFlag) throw new CliError(`stack ${stackFlag} is not in ${manifest}; it has: ${stacks.map(([n]) => n).join(", ")}`);
      if (stacks.length > 1) throw new CliError(`${path} holds several stacks; choose one with --stack: ${stacks.map(([n]) => n).join(", ")}`);
      chosen = stacks[0];
    }
    const file = join(path, chosen[1].synthesizedStackPath ?? join("stacks", chosen[0], "cdk.tf.json"));
    const config = readJson(file);
    return { config, stack: stackFlag ?? stackNameOf(config) ?? chosen[0], source: file };
  }
  const cdk = join(path, "cdk.tf.json");
  if (existsSync(cdk)) {
    const config = readJson(cdk);
    return { config, stack: stackFlag ?? stackNameOf(config) ?? basename(path), source: cdk };
  }
  const files = readdirSync(path).filter((f) => f.endsWith(".tf.json")).sort();
  if (files.length === 0) throw new CliError(`${path} has no manifest.json, cdk.tf.json or *.tf.json`);
  const config = mergeConfigs(files.map((f) => readJson(join(path, f))));
  return { config, stack: stackFlag ?? stackNameOf(config), source: path };
}

/** The provider block's endpoint, the CLI's last fallback for where keyform runs. */
export function providerEndpoint(config: Record<string, unknown>): string | undefined {
  const p = (config.provider as Record<string, unknown> | undefined)?.keyform;
  const blocks = Array.isArray(p) ? p : p ? [p] : [];
  const first = blocks.find((b) => b && typeof b === "object" && !(b as { alias?: unknown }).alias) ?? blocks[0];
  const endpoint = (first as { endpoint?: unknown } | undefined)?.endpoint;
  return typeof endpoint === "string" && !endpoint.includes("${") ? endpoint : undefined;
}
