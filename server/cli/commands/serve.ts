import type { Command } from "commander";
import type { CliIO } from "../io";
// Only its type: the server's modules load when `serve` runs (below), not with every command.
import type { ServeOptions } from "../serve-runner";

export function registerServe(program: Command, io: CliIO, setExit: (p: Promise<number>) => void): void {
  program
    .command("serve")
    .description("Run the keyform server (embedded SQLite in ./.keyform/ unless --database-url is given)")
    .option("--port <port>", "port to listen on", process.env.KEYFORM_PORT ?? "8080")
    .option("--host <host>", "address to bind", process.env.KEYFORM_HOST ?? "127.0.0.1")
    .option("--database-url <url>", "mysql://user:pass@host:3306/db (default: KEYFORM_DATABASE_URL, else embedded SQLite)")
    .option("--data-dir <dir>", "folder for the embedded database and generated operator token", ".keyform")
    // The server's modules load only for `serve`, so client commands start fast.
    .action((opts: ServeOptions) => setExit(import("../serve-runner").then((m) => m.serve(io, opts))));
}
