import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { accountRoutes } from "./accounts/account.routes";
import type { Services } from "./container";
import { AppError } from "./errors/app-error";
import { ErrorCode } from "./errors/error-code";
import { errorMiddleware, reportError, writeProblem } from "./errors/error.middleware";
import { fastLane } from "./http/fast-lane";
import type { RouteDef } from "./http/route";
import { bearerToken, clientAddress, mountRoutes, type TrustProxy } from "./http/router";
import { keyRoutes } from "./keys/key.routes";
import { stackRoutes } from "./stacks/stack.routes";
import { verifyRoutes } from "./verify/verify.routes";

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Every API route, declared once; also the input of the OpenAPI document. */
export function apiRoutes(s: Services): RouteDef[] {
  return [...accountRoutes(s.accounts), ...keyRoutes(s.keys), ...verifyRoutes(s.verify), ...stackRoutes(s.stacks, s.settings.planConfigLimitBytes), ...(s.extraRoutes ?? [])];
}

/** keyform's HTTP request listener: Express, with the verification route's fast lane in front. */
export type App = RequestListener & { express: Express };

/** Builds the app. Never listens: `keyform serve` (and tests) decide where. */
export function createApp(s: Services): App {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", s.settings.trustProxy);
  app.set("etag", false);

  // The access line has fixed, secret-free fields (request id, method, declared route, status, time):
  // it skips the redaction pass every other log line gets.
  const accessLog = s.logger.child({}, { redact: [] });
  // Metric children by label values, looked up once: `inc({labels})` hashes the label object each time.
  const requestCounters = new Map<string, { inc(): void }>();
  const latencyHistograms = new Map<string, { observe(v: number): void }>();
  const countRequest = (method: string, route: string, status: number, seconds: number) => {
    const ck = `${method} ${route} ${status}`;
    let c = requestCounters.get(ck);
    if (!c) requestCounters.set(ck, (c = s.metrics.requests.labels({ method, route, status: String(status) })));
    c.inc();
    let h = latencyHistograms.get(ck);
    if (!h) latencyHistograms.set(ck, (h = s.metrics.latency.labels({ method, route, status: String(status) })));
    h.observe(seconds);
  };
  /** Request id (header and return value), then one metric sample and one access line when the response is done. */
  const begin = (req: IncomingMessage, res: ServerResponse, route: () => string): string => {
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    res.setHeader("x-request-id", id);
    const started = performance.now();
    res.on("finish", () => {
      const seconds = (performance.now() - started) / 1e3;
      const r = route();
      countRequest(req.method!, r, res.statusCode, seconds);
      // Path only: never the query string, headers or body, which may carry secrets.
      accessLog.info({ req_id: id, method: req.method, route: r, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 }, "request");
    });
    return id;
  };
  const security = staticHeaders(helmet({ contentSecurityPolicy: { directives: { "script-src": ["'self'"], "style-src": ["'self'", "'unsafe-inline'"] } } }));

  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.requestId = begin(req, res, () => (res.locals.route as string | undefined) ?? "unmatched");
    next();
  });
  app.use(security.middleware);

  // The verification route is the hot path: mounted first, straight on the app, so a verify request
  // is not matched against every other route (no other route's pattern can match /v1/verify, so the
  // order changes nothing else).
  const routes = apiRoutes(s);
  const isHot = (r: RouteDef) => r.path === "/v1/verify";
  mountRoutes(app, routes.filter(isHot), s.auth, s.settings.bodyLimitBytes);

  app.get("/healthz", (_req, res) => {
    res.locals.route = "/healthz";
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res, next) => {
    res.locals.route = "/readyz";
    try {
      await s.store.ping();
      if (await s.store.pendingMigrations()) throw new AppError(ErrorCode.STORE_UNAVAILABLE, "Database migrations are not current.", { migrations: "pending" });
      res.json({ status: "ready", database: "reachable", migrations: "current" });
    } catch (err) {
      next(err instanceof AppError ? err : new AppError(ErrorCode.STORE_UNAVAILABLE, "The key store is unreachable."));
    }
  });
  app.get("/metrics", async (req, res, next) => {
    res.locals.route = "/metrics";
    try {
      await s.auth.authorizeMetrics(bearerToken(req), clientAddress(req, app.get("trust proxy fn") as TrustProxy));
      res.type(s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });

  mountRoutes(app, routes.filter((r) => !isHot(r)), s.auth, s.settings.bodyLimitBytes);
  for (const mount of s.extraMounts ?? []) mount(app);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new AppError(ErrorCode.NOT_FOUND, `No route ${req.method} ${req.path.slice(0, 200)}`));
  });
  app.use(errorMiddleware(s.logger));

  // The same routes, below Express, for plain requests (see `fastLane`); needs helmet's headers to be static.
  const apply = security.apply;
  const lane = apply
    ? fastLane({
        routes: routes.filter((r) => r.fastLane), auth: s.auth, bodyLimitBytes: s.settings.bodyLimitBytes, trust: app.get("trust proxy fn"),
        begin: (req, res, route) => begin(req, res, () => route),
        headers: apply,
        fail: (err, path, res, requestId) => {
          const appErr = reportError(s.logger, err, path, requestId);
          if (res.headersSent) res.destroy();
          else writeProblem(res, appErr, requestId);
        },
      })
    : () => false;
  const listener = ((req: IncomingMessage, res: ServerResponse) => {
    if (!lane(req, res)) app(req, res);
  }) as App;
  listener.express = app;
  return listener;
}

/**
 * Helmet's headers are the same on every response for a static configuration like ours: run its
 * middleware once against a recording response and replay the result (`apply`), instead of a chain of a
 * dozen middleware calls per request. Falls back to helmet itself (and `apply` is null) if it ever does
 * anything else.
 */
function staticHeaders(middleware: (req: Request, res: Response, next: (err?: unknown) => void) => void): {
  middleware: (req: Request, res: Response, next: NextFunction) => void;
  apply: ((res: ServerResponse) => void) | null;
} {
  const set: Array<[string, string | number | readonly string[]]> = [];
  const removed: string[] = [];
  let ok = true;
  let called = false;
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  };
  try {
    middleware({ headers: {}, method: "GET", url: "/" } as unknown as Request, recorder as unknown as Response, (err?: unknown) => {
      called = true;
      if (err) ok = false;
    });
  } catch {
    ok = false;
  }
  if (!ok || !called) return { middleware, apply: null };
  const apply = (res: ServerResponse) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
  };
  return {
    middleware: (_req, res, next) => {
      apply(res);
      next();
    },
    apply,
  };
}
