import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { createApp } from "../app";
import { settingsFromEnv } from "../config";
import { buildServices } from "../container";
import { randomBase62 } from "../../core/keys/secret-format";
import { createLogger } from "../logging/logger";
import { Store } from "../store/store";
import { CliError, out, type CliIO } from "./io";
import { readPrivateFile } from "./private-files";
import { quoted } from "../reconciler/render/safe-text";
import { extendServices } from "../extensions";
import { answerClientErrors } from "../http/client-error";

/** `keyform serve`'s options. */
export interface ServeOptions {
  port: string;
  host: string;
  databaseUrl?: string;
  dataDir: string;
}

/**
 * Embedded mode without KEYFORM_ADMIN_TOKEN: one operator token, generated once, kept in a 0600 file.
 * A token file this user did not make private (say, one committed to a repository) is refused.
 */
function embeddedAdminToken(dataDir: string): { token: string; path: string; created: boolean } {
  const path = join(dataDir, "admin-token");
  const existing = readPrivateFile(path, 4096);
  if (existing.ok) return { token: existing.text.trim(), path, created: false };
  if (existing.why !== "missing") throw new CliError(`refusing the operator token in ${quoted(path)}: ${existing.why}. Remove it to generate a new one, or set KEYFORM_ADMIN_TOKEN.`);
  const token = `kfadmin_${randomBase62(40)}`;
  writeFileSync(path, token + "\n", { mode: 0o600, flag: "wx" }); // O_EXCL: never through a planted link
  chmodSync(path, 0o600);
  return { token, path, created: true };
}

export async function serve(io: CliIO, opts: ServeOptions): Promise<number> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0-65535, got ${opts.port}`);
  const settings = settingsFromEnv(io.env);
  const url = opts.databaseUrl ?? io.env.KEYFORM_DATABASE_URL;
  const logger = createLogger();
  let databaseUrl = url;
  if (!url) {
    const dataDir = resolve(io.cwd, opts.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    databaseUrl = `sqlite:${join(dataDir, "keyform.sqlite")}`;
    if (!settings.adminToken) {
      const admin = embeddedAdminToken(dataDir);
      settings.adminToken = admin.token;
      out(io, admin.created ? `Generated an operator token in ${admin.path} (mode 0600).` : `Operator token: ${admin.path}`);
    }
  } else if (!settings.adminToken) {
    logger.warn("KEYFORM_ADMIN_TOKEN is not set: operator-only endpoints (account creation) are unavailable");
  }
  const store = await Store.open({ url: databaseUrl!, connectTimeoutMs: settings.dbConnectTimeoutMs, queryTimeoutMs: settings.dbQueryTimeoutMs });
  const services = extendServices(buildServices(store, settings, logger));
  const server: Server = createServer(createApp(services));
  server.keepAliveTimeout = 65_000;
  answerClientErrors(server);
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(port, opts.host, () => res());
  });
  // Graceful shutdown: stop accepting, let in-flight requests and applies finish, flush usage, close the pool.
  // Handlers go in before the "listening" line, so a supervisor's SIGTERM right after it is never lost.
  const exited = new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      // Keep-alive connections would hold `server.close` open until they time out (65 s): close each one
      // as soon as it has no request in flight, and tell clients of in-flight requests not to reuse it.
      const drain = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => {
        server.closeAllConnections();
        resolveExit(1);
      }, 30_000);
      force.unref();
      server.close(async () => {
        clearInterval(drain);
        try {
          await services.shutdown();
          await store.close();
        } finally {
          clearTimeout(force);
          logger.flush();
          resolveExit(0);
        }
      });
      server.closeIdleConnections();
    };
    server.on("request", (_req, res: ServerResponse) => {
      if (stopping) res.setHeader("connection", "close");
    });
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  const addr = server.address();
  const bound = typeof addr === "object" && addr ? addr.port : port;
  out(io, `keyform listening on http://${opts.host}:${bound} (${store.dialect === "sqlite" ? "embedded SQLite " + databaseUrl!.slice(7) : "MySQL"})`);
  return exited;
}

