import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { kubernetesName } from "../../keys/key.view";
import { IDENTIFIER } from "../../reconciler/expression";
import { addMaskCommands, githubOutputEntry, hasUnsafeChars, quoted, safeJson, safeLine } from "../../reconciler/render/safe-text";
import { checkedStack } from "../stack-arg";
import { CliError, out, outData, warn, type CliIO, type RunCommand } from "../io";
import { clientFrom } from "../client";
import { defaultOutputsStack, outputsKey, outputsPath, readOutputs, untrustedWarning, type OutputsFile, type SecretSource } from "../outputs-file";
import { statusOf } from "../../../core/keys/key";

type Format = "shell" | "dotenv" | "github" | "kubernetes" | "base64";

const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").replace(/^(\d)/, "_$1");
const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
/** POSIX double quotes; a value holding control characters uses ANSI-C quoting instead, so none reaches the terminal raw. */
const shellQuote = (s: string) =>
  hasUnsafeChars(s)
    ? `$'${s.replace(/[\\']/g, "\\$&").replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`).replace(/[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}'`
    : `"${s.replace(/(["\\$`])/g, "\\$1")}"`;

/**
 * `--format github`: every check first (GITHUB_OUTPUT set and writable, names it can write), then
 * `::add-mask::` for every line of every sensitive value, then the values into $GITHUB_OUTPUT in
 * GitHub's multi-line form with a random delimiter. Nothing is printed when a check fails.
 */
function writeGithub(io: CliIO, entries: Array<[string, OutputsFile[string]]>): void {
  const target = io.env.GITHUB_OUTPUT;
  if (!target) throw new CliError("--format github needs GITHUB_OUTPUT (set by GitHub Actions) to write the values to; nothing was printed");
  const bad = entries.filter(([n]) => !IDENTIFIER.test(n)).map(([n]) => quoted(n));
  if (bad.length) throw new CliError(`--format github cannot write output ${bad.join(", ")} safely (names must be letters, digits, _ and -); nothing was printed`);
  const body = entries.map(([n, v]) => githubOutputEntry(n, text(v.value))).join("");
  let fd: number;
  try {
    fd = openSync(target, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
  } catch (err) {
    throw new CliError(`cannot open GITHUB_OUTPUT (${(err as NodeJS.ErrnoException).code}); nothing was printed`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new CliError("GITHUB_OUTPUT is not a regular file; nothing was printed");
    const masks = entries.filter(([, v]) => v.sensitive).flatMap(([, v]) => addMaskCommands(text(v.value)));
    if (masks.length) outData(io, masks.join("\n") + "\n");
    const data = Buffer.from(body, "utf8");
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
  } finally {
    closeSync(fd);
  }
}

/** Prints outputs the way `terraform output` does, or in a form a CI step can consume directly. */
export function renderOutputs(io: CliIO, all: OutputsFile, name: string | undefined, o: { json?: boolean; raw?: boolean; format?: Format; stack: string; file: string }): number {
  if (name !== undefined && !(name in all)) throw new CliError(`Output ${quoted(name)} not found. The outputs of stack ${safeLine(o.stack)} are: ${Object.keys(all).map(quoted).join(", ") || "(none)"}`);
  const selected = name !== undefined ? { [name]: all[name] } : all;
  for (const [n, v] of Object.entries(selected)) {
    if (!("value" in v) && (o.json || o.raw || o.format || name !== undefined)) {
      throw new CliError(`SECRET_UNAVAILABLE: output ${quoted(n)} has no value in ${quoted(o.file)} that keyform wrote on this machine; keyform keeps no secret after the apply that created it. Run the apply here, or regenerate the key.`);
    }
  }
  if (o.raw) {
    if (name === undefined) throw new CliError("--raw needs an output NAME");
    const v = selected[name].value;
    if (v !== null && typeof v === "object") throw new CliError(`--raw prints only strings, numbers and booleans; output ${quoted(name)} is ${Array.isArray(v) ? "a list" : "an object"} (use --json)`);
    outData(io, String(v));
    return 0;
  }
  if (o.json) {
    // `terraform output -json` shape: the keys behind a secret stay in the file.
    const shown = Object.fromEntries(Object.entries(selected).map(([n, v]) => [n, { sensitive: v.sensitive, type: v.type, ...("value" in v ? { value: v.value } : {}) }]));
    out(io, name !== undefined ? safeJson(selected[name].value) : safeJson(shown, 2));
    return 0;
  }
  const entries = Object.entries(selected);
  switch (o.format) {
    case undefined:
      for (const [n, v] of entries) out(io, `${safeLine(n)} = ${v.sensitive && name === undefined ? "<sensitive>" : safeJson(v.value ?? null)}`);
      return 0;
    case "shell":
      outData(io, entries.map(([n, v]) => `export ${envName(n)}=${shellQuote(text(v.value))}\n`).join(""));
      return 0;
    case "dotenv": {
      const unsafe = entries.filter(([, v]) => hasUnsafeChars(text(v.value).replace(/\n/g, ""))).map(([n]) => quoted(n));
      if (unsafe.length) throw new CliError(`--format dotenv cannot hold the control characters in ${unsafe.join(", ")}; use --format shell or --json`);
      outData(io, entries.map(([n, v]) => `${envName(n)}="${text(v.value).replace(/(["\\$`])/g, "\\$1")}"\n`).join(""));
      return 0;
    }
    case "base64":
      if (name === undefined) throw new CliError("--format base64 needs an output NAME");
      outData(io, Buffer.from(text(selected[name].value), "utf8").toString("base64") + "\n");
      return 0;
    case "kubernetes":
      outData(io, stringify({
        apiVersion: "v1", kind: "Secret", metadata: { name: kubernetesName(name ?? o.stack) }, type: "Opaque",
        data: Object.fromEntries(entries.map(([n, v]) => [envName(n), Buffer.from(text(v.value), "utf8").toString("base64")])),
      }));
      return 0;
    case "github":
      writeGithub(io, entries);
      return 0;
  }
}

/** Why a key whose secret an output holds is no longer active, or null while it is. */
type Standing = { output: string; key: SecretSource; status: string; why: string };

/**
 * The keys behind the secrets about to be printed that are no longer active: expired by their
 * expires_at (temp keys after their few minutes) without asking anyone, and — when KEYFORM_TOKEN is
 * set — revoked, used up or expired as the server says now.
 */
export async function inactiveSecrets(io: CliIO, entries: Array<[string, OutputsFile[string]]>, now: number): Promise<Standing[]> {
  const found: Standing[] = [];
  const toAsk: Array<[string, SecretSource]> = [];
  for (const [name, v] of entries) {
    if (!("value" in v)) continue;
    for (const k of v.secret_of ?? []) {
      // What the outputs file knows of the key: its expiry (the rest — revoked, used up — the server knows).
      const at = k.expires_at === null ? NaN : Date.parse(k.expires_at);
      const known = statusOf({ revokedAt: null, maxUses: null, uses: 0, expiresAt: Number.isNaN(at) ? null : at }, now);
      if (known === "expired") found.push({ output: name, key: k, status: "expired", why: `it expired at ${k.expires_at}` });
      else toAsk.push([name, k]);
    }
  }
  if (toAsk.length === 0 || !io.env.KEYFORM_TOKEN) return found;
  let client;
  try {
    client = clientFrom(io.env);
  } catch {
    return found;
  }
  for (const [name, k] of toAsk) {
    try {
      const view = await client.getKey(k.account, k.id);
      if (view === null) found.push({ output: name, key: k, status: "deleted", why: "the server no longer has it" });
      else if (view.status !== "active") found.push({ output: name, key: k, status: view.status, why: `the server reports it ${view.status}` });
    } catch (err) {
      warn(io, `Warning: could not check whether key ${safeLine(k.id)} (output ${quoted(name)}) is still active: ${safeLine((err as Error).message)}`);
    }
  }
  return found;
}

/** The entries whose value the chosen form would print (the default listing hides sensitive ones). */
function printedEntries(all: OutputsFile, name: string | undefined, o: { json?: boolean; raw?: boolean; format?: string }): Array<[string, OutputsFile[string]]> {
  if (name !== undefined) return name in all ? [[name, all[name]]] : [];
  const plain = !o.json && !o.raw && !o.format;
  return Object.entries(all).filter(([, v]) => !(plain && v.sensitive));
}

export function registerOutput(program: Command, io: CliIO, run: RunCommand): void {
  program
    .command("output")
    .description("Print a stack's outputs from the last apply on this machine (as `terraform output`)")
    .argument("[name]", "one output")
    .option("--stack <name>", "stack (default: the only one with outputs here)")
    .option("--outputs-file <file>", "read outputs from this file instead of .keyform/outputs/<stack>.json")
    .option("--json", "JSON, as `terraform output -json`")
    .option("--raw", "the bare string value of NAME")
    .option("--format <format>", "shell | dotenv | github | kubernetes | base64")
    .option("--allow-inactive", "print a secret even when its key is no longer active (expired, revoked, used up), with a warning")
    .action((name: string | undefined, o: { stack?: string; outputsFile?: string; json?: boolean; raw?: boolean; format?: string; allowInactive?: boolean }) =>
      run(async () => {
        if (o.format && !["shell", "dotenv", "github", "kubernetes", "base64"].includes(o.format)) throw new CliError(`--format must be shell, dotenv, github, kubernetes or base64, not ${quoted(o.format)}`);
        const stack = checkedStack(o.stack ?? (o.outputsFile ? "outputs" : defaultOutputsStack(io.cwd)), "--stack");
        const file = o.outputsFile ? resolve(io.cwd, o.outputsFile) : outputsPath(io.cwd, stack);
        const read = readOutputs(file, outputsKey(io.env));
        const warning = untrustedWarning(file, read);
        if (warning) warn(io, warning);
        const inactive = await inactiveSecrets(io, printedEntries(read.outputs, name, o), Date.now());
        for (const x of inactive) {
          const line = `output ${quoted(x.output)} holds the secret of key ${safeLine(x.key.id)} (account ${safeLine(x.key.account)}, ${safeLine(x.key.type)}), which is no longer active (${x.status}): ${safeLine(x.why)}`;
          if (!o.allowInactive) throw new CliError(`KEY_INACTIVE: ${line}. Nothing was printed. Apply again to get a new key, or pass --allow-inactive to print it anyway.`);
          warn(io, `Warning: ${line}; printed because of --allow-inactive.`);
        }
        return renderOutputs(io, read.outputs, name, { json: o.json, raw: o.raw, format: o.format as Format | undefined, stack, file });
      }),
    );
}
