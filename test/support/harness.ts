import type { IncomingMessage, ServerResponse } from "node:http";
import { Writable } from "node:stream";
import request from "supertest";
import { apiRoutes, createApp, type App } from "../../server/app";
import { DEFAULT_SETTINGS, type Settings } from "../../server/config";
import { buildServices, type Services } from "../../server/container";
import { extendServices } from "../../server/extensions";
import { createLogger } from "../../server/logging/logger";
import type { Store } from "../../server/store/store";
import { openStore, type StoreKind, type TestDatabase } from "./db";
import { ResponseCheck } from "./response-check";
import { SecretLedger } from "./secrets";

export const ADMIN_TOKEN = "test-operator-token-0123456789";

/** Collects every log line the app writes, so tests can search them. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join("\n");
  }
}

export interface HarnessOptions {
  settings?: Partial<Settings>;
  clock?: () => number;
  /**
   * Check every answer against what its route declares (test/support/response-check.ts); `close()`
   * fails on any mismatch. On by default; off only for a test that must send what no route declares.
   */
  checkResponses?: boolean;
}

/** A real app on a real, private database, with typed helpers for the common requests. */
export class Harness {
  readonly logs = new LogCapture();
  /** Every secret the app returned; `close()` asserts none of them reached the logs. */
  readonly secrets = new SecretLedger();
  /** Answers that were not what their route declares (see HarnessOptions.checkResponses). */
  readonly responseMismatches: string[] = [];
  responseCheck: ResponseCheck | null = null;
  services!: Services;
  app!: App;
  store!: Store;
  private db!: TestDatabase;

  constructor(readonly kind: StoreKind) {}

  static async start(kind: StoreKind, opts: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(kind);
    const { store, db } = await openStore(kind);
    h.store = store;
    h.db = db;
    const settings: Settings = { ...DEFAULT_SETTINGS, adminToken: ADMIN_TOKEN, authFailureLimit: 1000, ...opts.settings };
    h.services = extendServices(buildServices(store, settings, createLogger({ destination: h.logs, level: "debug" }), opts.clock));
    if (opts.checkResponses !== false) h.responseCheck = new ResponseCheck(apiRoutes(h.services));
    h.app = recordSecretsOf(createApp(h.services), h.secrets, (req, res, body) => {
      try {
        const wrong = h.responseCheck?.check(req.method ?? "GET", req.url ?? "/", res.statusCode, String(res.getHeader("content-type") ?? ""), body);
        if (wrong) h.responseMismatches.push(wrong);
      } catch (err) {
        h.responseMismatches.push(`${req.method} ${req.url}: the check failed: ${(err as Error).message}`);
      }
    });
    return h;
  }

  /** Asserts that no secret the app has returned so far (nor its hash) appears in the captured logs. */
  assertNoSecretInLogs(): void {
    this.secrets.assertNotIn(this.logs.text, `the logs of this ${this.kind} harness`);
  }

  /** Asserts that every answer so far was what its route declares. */
  assertResponsesDeclared(): void {
    if (this.responseMismatches.length) throw new Error(`Answers that are not what their route declares:\n${this.responseMismatches.slice(0, 20).join("\n")}`);
  }

  async close(): Promise<void> {
    try {
      await this.services.shutdown();
      await this.store.close();
      await this.db.drop();
    } finally {
      this.assertNoSecretInLogs();
      this.assertResponsesDeclared();
    }
  }

  /** Requests authenticated with `token` (the operator by default). */
  as(token: string = ADMIN_TOKEN) {
    const agent = request(this.app);
    const auth = (t: request.Test) => t.set("authorization", `Bearer ${token}`);
    return {
      get: (p: string) => auth(agent.get(p)),
      post: (p: string, body?: unknown) => auth(agent.post(p)).send(body as object),
      patch: (p: string, body?: unknown) => auth(agent.patch(p)).send(body as object),
      delete: (p: string) => auth(agent.delete(p)),
    };
  }

  get anon() {
    return request(this.app);
  }

  async account(id: string, extra: Record<string, unknown> = {}) {
    const res = await this.as().post("/v1/accounts", { id, ...extra });
    if (res.status !== 201) throw new Error(`account ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.account;
  }

  /** Creates a key as the operator and returns `{key, secret, formats}`. */
  async key(account: string, body: Record<string, unknown>, token: string = ADMIN_TOKEN) {
    const res = await this.as(token).post(`/v1/accounts/${account}/keys`, body);
    if (res.status !== 201) throw new Error(`key ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { key: { id: string; [k: string]: unknown }; secret: string; formats: Record<string, string> };
  }

  verify(key: string, scopes?: string[], token: string = ADMIN_TOKEN) {
    return this.as(token).post("/v1/verify", scopes ? { key, scopes } : { key });
  }
}

/**
 * Taps every response the app sends (through `as()`, `anon` or `request(h.app)` alike) and records the
 * secrets in JSON bodies, so the whole suite checks that none of them is ever logged; `onAnswer` sees
 * each whole answer (the response check).
 */
function recordSecretsOf(app: App, ledger: SecretLedger, onAnswer: (req: IncomingMessage, res: ServerResponse, body: string) => void): App {
  const tapped = ((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === "function") return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"));
    };
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    res.write = ((...a: unknown[]) => {
      keep(a[0], a[1]);
      return write(...a);
    }) as typeof res.write;
    res.end = ((...a: unknown[]) => {
      keep(a[0], a[1]);
      const body = Buffer.concat(chunks).toString("utf8");
      ledger.addFromResponse(String(res.getHeader("content-type") ?? ""), body);
      onAnswer(req, res, body);
      return end(...a);
    }) as typeof res.end;
    app(req, res);
  }) as App;
  tapped.express = app.express;
  return tapped;
}
