import express, { type Express, type NextFunction, type Request, type Response, type Router } from "express";
import type { AuthService } from "../auth/auth.service";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import { RawJson, slices, type RouteDef } from "./route";
import { bodyValidator, queryValidator } from "./validate";

const PARAM_PATTERNS: Record<string, RegExp> = {
  account: /^[a-z0-9-]{1,64}$/,
  id: /^key_[0-9A-Za-z]{24}$/,
  stack: /^[A-Za-z0-9_.-]{1,128}$/,
  planId: /^plan_[0-9A-Za-z]{24}$/,
};

/** The client address as Express sees it (after `trust proxy`), without the IPv4-mapped prefix. */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? "unknown";
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === "string") {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1];
  }
  const apiKey = req.headers["x-api-key"];
  return typeof apiKey === "string" && apiKey.length > 0 ? apiKey.trim() : undefined;
}

/**
 * Writes pre-serialized JSON in ~1 MB slices, waiting for the socket to drain: a 25 MB plan goes out
 * without one 25 MB Buffer per response (large one-off Buffers are what made the server's RSS balloon).
 */
async function sendRawJson(res: Response, status: number, parts: string[]): Promise<void> {
  let length = 0;
  for (const p of parts) length += Buffer.byteLength(p, "utf8");
  res.status(status);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", String(length));
  for (const p of parts) {
    for (const slice of slices(p)) {
      if (res.destroyed) return;
      if (!res.write(slice, "utf8")) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
    }
  }
  res.end();
}

/** Registers declared routes: authenticate → check path params → validate body/query → handler → JSON. */
export function mountRoutes(router: Router | Express, defs: RouteDef[], auth: AuthService, bodyLimitBytes: number): void {
  for (const def of defs) {
    const validateBody = def.body ? bodyValidator(def.body) : null;
    const validateQuery = def.query ? queryValidator(def.query) : null;
    const parseJson = express.json({ limit: def.bodyLimit ?? bodyLimitBytes, strict: true, type: ["application/json", "application/*+json"] });
    const handle = async (req: Request, res: Response) => {
      res.locals.route = def.path;
      const source = clientAddress(req);
      const principal = def.auth === "none" ? { kind: "operator" as const } : await auth.authenticate(bearerToken(req), source);
      for (const name in req.params) {
        const value = String(req.params[name]);
        const re = PARAM_PATTERNS[name];
        if (re && !re.test(value)) throw new AppError(ErrorCode.NOT_FOUND, `No ${name} ${JSON.stringify(value.slice(0, 80))}`);
      }
      const body = validateBody ? validateBody(req.body === undefined ? {} : req.body) : undefined;
      if (!validateBody && req.body !== undefined && Object.keys(req.body as object).length > 0) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, "This route takes no request body.", { errors: [{ field: "/", message: "must be empty" }] });
      }
      // `req.query` re-parses the URL on every access: read it once, and not at all without a "?".
      const rawQuery = (req.url.includes("?") ? req.query : {}) as object;
      const query = validateQuery ? validateQuery({ ...rawQuery }) : ({} as Record<string, never>);
      if (!validateQuery && Object.keys(rawQuery).length > 0) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, "This route takes no query parameters.", {
          errors: Object.keys(rawQuery).map((k) => ({ field: `/${k}`, message: "is not a known parameter" })),
        });
      }
      const result = await def.handler({ principal, source, params: req.params as Record<string, string>, body, query, req, res });
      if (res.headersSent) return;
      const status = def.status ?? 200;
      if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
      else if (result instanceof RawJson) await sendRawJson(res, status, result.parts);
      else res.status(status).json(result);
    };
    (router as Router)[def.method](def.path, parseJson, (req: Request, res: Response, next: NextFunction) => {
      handle(req, res).catch(next);
    });
  }
}
