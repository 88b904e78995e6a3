import { ApiError } from "./client";

/** What a command may touch; tests and `main` pass the real streams. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A command's failure with the exit code it maps to. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function out(io: CliIO, text: string): void {
  io.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = (err.body as { errors?: Array<{ field: string; message: string }> } | null)?.errors;
    return `Error: ${err.code}: ${err.detail}` + (fields?.length ? "\n" + fields.map((f) => `  ${f.field} ${f.message}`).join("\n") : "");
  }
  return `Error: ${(err as Error).message}`;
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

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? "").padEnd(widths[i]))).join("  ")).join("\n");
}
