import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { createApp } from "../../server/app";
import { DEFAULT_SETTINGS } from "../../server/config";
import { buildConsole } from "../../server/console/build";
import { withConsole } from "../../server/console/console.extension";
import { buildServices, type Services } from "../../server/container";
import { extendServices } from "../../server/extensions";
import { createLogger } from "../../server/logging/logger";
import { Store } from "../../server/store/store";

export const ADMIN_TOKEN = "kfadmin_console_test_token_0123456789";

export interface ConsoleHarness {
  baseUrl: string;
  services: Services;
  /** Calls the API as the operator. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/**
 * A real keyform server on 127.0.0.1 (SQLite, real app, real console assets built by esbuild into a
 * temporary folder), the way `keyform serve` wires it.
 */
export async function startServer(): Promise<ConsoleHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), "keyform-console-"));
  const assetsDir = await buildConsole(path.join(dir, "console"), { minify: false });
  // Also reaches the console mount if server/extensions.ts already registers it.
  process.env.KEYFORM_CONSOLE_DIR = assetsDir;
  const store = await Store.open({ url: `sqlite:${path.join(dir, "keyform.sqlite")}` });
  const settings = { ...DEFAULT_SETTINGS, adminToken: ADMIN_TOKEN, usageFlushMs: 100 };
  const services = withConsole(extendServices(buildServices(store, settings, createLogger({ level: "silent" }))), { assetsDir });
  const server: Server = createServer(createApp(services));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    services,
    async api<T>(method: string, p: string, body?: unknown) {
      const res = await fetch(baseUrl + p, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.shutdown();
      await store.close();
      if (process.env.KEYFORM_CONSOLE_DIR === assetsDir) delete process.env.KEYFORM_CONSOLE_DIR;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM = process.env.KEYFORM_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
