import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SecretLedger } from "./secrets";

export const CLI = resolve(__dirname, "../../dist/server/cli/main.js");

/** Secrets returned to `api()` calls in this test file; served processes' logs are checked against them. */
export const servedSecrets = new SecretLedger();

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI's private state folder (its outputs key) for this test file, never the real home's. */
export const CLI_STATE_HOME = mkdtempSync(join(tmpdir(), "keyform-state-"));

/** Runs the built CLI as a child process, the way users run it. */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, KEYFORM_TOKEN: "", KEYFORM_ENDPOINT: "", GITHUB_OUTPUT: "", XDG_STATE_HOME: CLI_STATE_HOME, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", rej);
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

export interface ServedKeyform {
  child: ChildProcess;
  endpoint: string;
  dir: string;
  logs: () => string;
  adminToken: string;
  /** Throws if a secret returned through `api()` (or its SHA-256) appears in this process's output. */
  assertNoSecretInLogs(): void;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `keyform serve` on a free port; embedded SQLite in a temp folder unless a database URL is given. */
export async function serveKeyform(opts: { databaseUrl?: string; env?: Record<string, string>; dir?: string } = {}): Promise<ServedKeyform> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "keyform-serve-"));
  const args = [CLI, "serve", "--port", "0", ...(opts.databaseUrl ? ["--database-url", opts.databaseUrl] : [])];
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, KEYFORM_LOG_LEVEL: "info", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const endpoint = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`keyform serve did not start:\n${output}`)), 20_000);
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => rej(new Error(`keyform serve exited with ${code}:\n${output}`)));
  });
  const adminToken = opts.env?.KEYFORM_ADMIN_TOKEN || readFileSync(join(dir, ".keyform", "admin-token"), "utf8").trim();
  return {
    child, endpoint, dir, adminToken,
    logs: () => output,
    assertNoSecretInLogs: () => servedSecrets.assertNotIn(output, `the output of keyform serve at ${endpoint}`),
    // Every stop also checks the process's output against the secrets `api()` saw (suite-wide guard).
    stop: (signal = "SIGTERM") =>
      new Promise<number | null>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
        child.once("exit", (code) => res(code));
        child.kill(signal);
      }).then((code) => {
        servedSecrets.assertNotIn(output, `the output of keyform serve at ${endpoint}`);
        return code;
      }),
  };
}

export async function api(endpoint: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(endpoint + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  servedSecrets.addFromResponse(res.headers.get("content-type") ?? undefined, text);
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
