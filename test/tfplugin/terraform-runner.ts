import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The real terraform binary, if this machine has one (CI runs the real-terraform tests only there). */
export const TERRAFORM = ["/usr/local/bin/terraform", ...(process.env.PATH ?? "").split(":").map((d) => join(d, "terraform"))].find((p) => existsSync(p));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command (terraform by default) non-interactively, with only the given environment. */
export function runTerraform(args: string[], opts: { cwd: string; env: Record<string, string | undefined>; timeoutMs?: number; command?: string }): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(opts.command ?? TERRAFORM!, args, {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0", CI: "1", FORCE_COLOR: "0", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", rej);
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The run, or an error carrying its output when terraform failed. */
export function ok(r: Run): Run {
  if (r.code !== 0) throw new Error(`terraform exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
