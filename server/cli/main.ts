#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands";
import { packageVersion } from "../../provider/plugin/install";
import { CliError, errorMessage, type CliIO } from "./io";
import { safeText } from "../reconciler/render/safe-text";

/** Parses argv and runs one command; returns its exit code (0 ok, 1 error, 2 changes present). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let pending: Promise<number> = Promise.resolve(0);
  const setExit = (p: Promise<number>) => (pending = p);
  const run = (fn: () => Promise<number | void>) => setExit(fn().then((c) => c ?? 0));
  const program = new Command("keyform")
    .description("API keys managed like infrastructure")
    .version(packageVersion(), "-V, --version", "print keyform's version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(safeText(s)), writeErr: (s) => io.stderr.write(safeText(s)) });
  registerCommands(program, io, run, setExit);
  try {
    await program.parseAsync(argv, { from: "user" });
    return await pending;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    io.stderr.write(errorMessage(err) + "\n");
    return err instanceof CliError ? err.exitCode : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
