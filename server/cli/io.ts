import { safeLine, safeText } from "../reconciler/render/safe-text";
import { KeyformError } from "./client";

/** What a command may touch; tests and `main` pass the real streams. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export { CliError } from "./cli-error";

/** Runs a command's action; its result is the exit code (undefined: 0). Each command's `register` gets it from `main`. */
export type RunCommand = (fn: () => Promise<number | void>) => void;

/**
 * Prints text for a person: line feeds and tabs kept, every other control character shown as
 * `\u001b`-style notation (see safe-text). Callers put untrusted names through `quoted`/`safeLine`
 * so that they cannot start a line of their own either.
 */
export function out(io: CliIO, text: string): void {
  const safe = safeText(text);
  io.stdout.write(safe.endsWith("\n") ? safe : safe + "\n");
}

/** Prints a warning on stderr (one line per call). */
export function warn(io: CliIO, text: string): void {
  io.stderr.write(safeText(text) + "\n");
}

/** Data in the exact form a user asked for (`--raw`, shell, dotenv, base64, YAML): written as it is. */
export function outData(io: CliIO, text: string): void {
  io.stdout.write(text);
}

/** An error as the CLI prints it; what a server said is shown on one line, escaped. */
export function errorMessage(err: unknown): string {
  if (err instanceof KeyformError) {
    const lines = err.fieldErrors.map((f) => `  ${safeLine(String(f?.field ?? ""))} ${safeLine(String(f?.message ?? ""))}`);
    return [`Error: ${safeLine(err.code)}: ${safeLine(err.detail)}`, ...lines].join("\n");
  }
  return safeText(`Error: ${(err as Error).message}`);
}

export async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8").trim();
}

/** Secrets are taken from stdin when given as `-`, so they stay out of shell history and `ps`. */
export async function secretArg(io: CliIO, value: string): Promise<string> {
  return value === "-" ? readStdin(io) : value;
}

/** A table whose cells (names, sources, stacks from a server) each stay on their line. */
export function table(rows: string[][]): string {
  const safe = rows.map((r) => r.map((c) => safeLine(c ?? "")));
  const widths = safe[0].map((_, i) => Math.max(...safe.map((r) => (r[i] ?? "").length)));
  return safe.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}
