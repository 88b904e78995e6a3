import { randomUUID } from "node:crypto";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { accountRoutes } from "./accounts/account.routes";
import type { Services } from "./container";
import { AppError } from "./errors/app-error";
import { ErrorCode } from "./errors/error-code";
import { errorMiddleware } from "./errors/error.middleware";
import type { RouteDef } from "./http/route";
import { mountRoutes } from "./http/router";
import { keyRoutes } from "./keys/key.routes";
import { stackRoutes } from "./stacks/stack.routes";
import { verifyRoutes } from "./verify/verify.routes";

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Every API route, declared once; also the input of the OpenAPI document. */
export function apiRoutes(s: Services): RouteDef[] {
  return [...accountRoutes(s.accounts), ...keyRoutes(s.keys), ...verifyRoutes(s.verify), ...stackRoutes(s.stacks, s.settings.planConfigLimitBytes), ...(s.extraRoutes ?? [])];
}

/** Builds the Express app. Never listens: `keyform serve` (and tests) decide where. */
export function createApp(s: Services): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", s.settings.trustProxy);
  app.set("etag", false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.route as string | undefined) ?? "unmatched";
      s.metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      s.metrics.latency.observe({ method: req.method, route }, seconds);
      // Path only: never the query string, headers or body, which may carry secrets.
      s.logger.info({ req_id: id, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 }, "request");
    });
    next();
  });
  app.use(helmet({ contentSecurityPolicy: { directives: { "script-src": ["'self'"], "style-src": ["'self'", "'unsafe-inline'"] } } }));

  app.get("/healthz", (_req, res) => {
    res.locals.route = "/healthz";
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res, next) => {
    res.locals.route = "/readyz";
    try {
      await s.store.ping();
      if (await s.store.pendingMigrations()) throw new AppError(ErrorCode.STORE_UNAVAILABLE, "Database migrations are not current.");
      res.json({ status: "ready" });
    } catch (err) {
      next(err instanceof AppError ? err : new AppError(ErrorCode.STORE_UNAVAILABLE, "The key store is unreachable."));
    }
  });
  app.get("/metrics", async (_req, res, next) => {
    res.locals.route = "/metrics";
    try {
      res.type(s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });

  const api = express.Router();
  mountRoutes(api, apiRoutes(s), s.auth, s.settings.bodyLimitBytes);
  app.use(api);
  for (const mount of s.extraMounts ?? []) mount(app);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new AppError(ErrorCode.NOT_FOUND, `No route ${req.method} ${req.path.slice(0, 200)}`));
  });
  app.use(errorMiddleware(s.logger));
  return app;
}
