import { createServer, request, type Server } from "node:http";
import { Type } from "@sinclair/typebox";
import type { AddressInfo } from "node:net";
import { createApp } from "../../server/app";
import { DEFAULT_SETTINGS } from "../../server/config";
import { buildServices, type Services } from "../../server/container";
import { route } from "../../server/http/route";
import { createLogger } from "../../server/logging/logger";
import { openStore, type TestDatabase } from "../support/db";
import { ADMIN_TOKEN, LogCapture } from "../support/harness";
import type { Store } from "../../server/store/store";

/**
 * A route that fails after its response has started (a large plan streamed from storage, say) cannot
 * answer with a problem any more: the connection is cut, so the client sees an incomplete answer instead
 * of waiting for the rest until it times out.
 */
describe("a failure in the middle of a response", () => {
  let store: Store;
  let db: TestDatabase;
  let services: Services;
  let server: Server;
  const logs = new LogCapture();

  beforeAll(async () => {
    ({ store, db } = await openStore("sqlite"));
    services = buildServices(store, { ...DEFAULT_SETTINGS, adminToken: ADMIN_TOKEN }, createLogger({ destination: logs }));
    services.extraRoutes = [
      route({
        method: "get", path: "/v1/test/half", tag: "test", summary: "Starts a response, then fails.", responses: { 200: Type.Object({ partial: Type.Unknown() }) },
        handler: async ({ res }) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
          res.write('{"partial":');
          await new Promise((r) => setTimeout(r, 20));
          throw new Error("the stored body could not be read");
        },
      }),
    ];
    server = createServer(createApp(services));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await services.shutdown();
    await store.close();
    await db.drop();
  });

  it("cuts the connection (no hang) and logs the failure", async () => {
    const port = (server.address() as AddressInfo).port;
    const outcome = await new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/v1/test/half", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, body }));
        res.on("error", (e) => resolve({ status: res.statusCode, body, error: e.message }));
        res.on("aborted", () => resolve({ status: res.statusCode, body, error: "aborted" }));
      });
      req.on("error", (e) => resolve({ body: "", error: e.message }));
      req.setTimeout(10_000, () => req.destroy(new Error("timed out waiting for the rest")));
      req.end();
    });
    expect(outcome.status).toBe(200);
    expect(outcome.body).toBe('{"partial":');
    expect(outcome.error).toBeDefined();
    expect(outcome.error).not.toMatch(/timed out/);
    await new Promise((r) => setTimeout(r, 50));
    const failure = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request failed");
    expect(failure).toMatchObject({ path: "/v1/test/half", err: { message: "the stored body could not be read" } });
  });
});
