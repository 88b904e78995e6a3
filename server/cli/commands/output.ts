import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { kubernetesName } from "../../keys/key.view";
import { CliError, out, type CliIO } from "../io";
import { defaultOutputsStack, outputsPath, readOutputs, type OutputsFile } from "../outputs-file";

type Format = "shell" | "dotenv" | "github" | "kubernetes" | "base64";

const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").replace(/^(\d)/, "_$1");
const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const shellQuote = (s: string) => `"${s.replace(/(["\\$`])/g, "\\$1")}"`;

/** Prints outputs the way `terraform output` does, or in a form a CI step can consume directly. */
export function renderOutputs(io: CliIO, all: OutputsFile, name: string | undefined, o: { json?: boolean; raw?: boolean; format?: Format; stack: string }): number {
  if (name !== undefined && !(name in all)) throw new CliError(`Output "${name}" not found. The outputs of stack ${o.stack} are: ${Object.keys(all).join(", ") || "(none)"}`);
  const selected = name !== undefined ? { [name]: all[name] } : all;
  for (const [n, v] of Object.entries(selected)) {
    if (!("value" in v) && (o.json || o.raw || o.format || name !== undefined)) {
      throw new CliError(`SECRET_UNAVAILABLE: output "${n}" is sensitive and its value is not in ${outputsPath(io.cwd, o.stack)}; keyform keeps no secret after the apply that created it. Run the apply here, or regenerate the key.`);
    }
  }
  if (o.raw) {
    if (name === undefined) throw new CliError("--raw needs an output NAME");
    const v = selected[name].value;
    if (v !== null && typeof v === "object") throw new CliError(`--raw prints only strings, numbers and booleans; output "${name}" is ${Array.isArray(v) ? "a list" : "an object"} (use --json)`);
    io.stdout.write(String(v));
    return 0;
  }
  if (o.json) {
    out(io, name !== undefined ? JSON.stringify(selected[name].value) : JSON.stringify(selected, null, 2));
    return 0;
  }
  const entries = Object.entries(selected);
  switch (o.format) {
    case undefined:
      for (const [n, v] of entries) out(io, `${n} = ${v.sensitive && name === undefined ? "<sensitive>" : JSON.stringify(v.value ?? null)}`);
      return 0;
    case "shell":
      for (const [n, v] of entries) out(io, `export ${envName(n)}=${shellQuote(text(v.value))}`);
      return 0;
    case "dotenv":
      for (const [n, v] of entries) out(io, `${envName(n)}=${shellQuote(text(v.value))}`);
      return 0;
    case "base64":
      if (name === undefined) throw new CliError("--format base64 needs an output NAME");
      out(io, Buffer.from(text(selected[name].value), "utf8").toString("base64"));
      return 0;
    case "kubernetes":
      out(io, stringify({
        apiVersion: "v1", kind: "Secret", metadata: { name: kubernetesName(name ?? o.stack) }, type: "Opaque",
        data: Object.fromEntries(entries.map(([n, v]) => [envName(n), Buffer.from(text(v.value), "utf8").toString("base64")])),
      }).trimEnd());
      return 0;
    case "github": {
      // GitHub Actions: mask every sensitive value first, then hand the values to later steps.
      const target = io.env.GITHUB_OUTPUT;
      for (const [, v] of entries) if (v.sensitive) out(io, `::add-mask::${text(v.value)}`);
      const lines = entries.map(([n, v]) => {
        const s = text(v.value);
        if (!s.includes("\n")) return `${n}=${s}\n`;
        const delim = `KEYFORM_EOF_${Math.random().toString(36).slice(2)}`;
        return `${n}<<${delim}\n${s}\n${delim}\n`;
      });
      if (target) appendFileSync(target, lines.join(""));
      else throw new CliError("--format github needs GITHUB_OUTPUT (set by GitHub Actions) to write the values to");
      return 0;
    }
  }
}

export function registerOutput(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
  program
    .command("output")
    .description("Print a stack's outputs from the last apply on this machine (as `terraform output`)")
    .argument("[name]", "one output")
    .option("--stack <name>", "stack (default: the only one with outputs here)")
    .option("--outputs-file <file>", "read outputs from this file instead of .keyform/outputs/<stack>.json")
    .option("--json", "JSON, as `terraform output -json`")
    .option("--raw", "the bare string value of NAME")
    .option("--format <format>", "shell | dotenv | github | kubernetes | base64")
    .action((name: string | undefined, o: { stack?: string; outputsFile?: string; json?: boolean; raw?: boolean; format?: string }) =>
      run(async () => {
        if (o.format && !["shell", "dotenv", "github", "kubernetes", "base64"].includes(o.format)) throw new CliError(`--format must be shell, dotenv, github, kubernetes or base64, not ${o.format}`);
        const stack = o.stack ?? (o.outputsFile ? "outputs" : defaultOutputsStack(io.cwd));
        const file = o.outputsFile ? resolve(io.cwd, o.outputsFile) : outputsPath(io.cwd, stack);
        return renderOutputs(io, readOutputs(file), name, { json: o.json, raw: o.raw, format: o.format as Format | undefined, stack });
      }),
    );
}
