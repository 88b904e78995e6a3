import type { IncomingMessage, ServerResponse } from "node:http";
import proxyaddr from "proxy-addr";
import express, { type Express, type NextFunction, type Request, type Response, type Router } from "express";
import type { AuthService } from "../auth/auth.service";
import type { Principal } from "../auth/principal";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import { parseJsonBody } from "../json/json-body";
import { RawJson } from "../json/raw-json";
import { bodyValidator, queryValidator } from "../json/validate";
import { slices, type RouteDef } from "./route";
import { STACK_NAME } from "../stacks/stack-name";

const PARAM_PATTERNS: Record<string, RegExp> = {
  account: /^[a-z0-9-]{1,64}$/,
  id: /^key_[0-9A-Za-z]{24}$/,
  stack: STACK_NAME,
  planId: /^plan_[0-9A-Za-z]{24}$/,
};

/** Express's compiled `trust proxy` setting (`app.get("trust proxy fn")`). */
export type TrustProxy = (addr: string, i: number) => boolean;

/**
 * The client address as Express's `req.ip` gives it (proxy-addr with the `trust proxy` setting), without
 * the IPv4-mapped prefix; for Express routes and the fast lane alike.
 */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  const ip = (proxyaddr(req, trust) as string | undefined) ?? req.socket.remoteAddress ?? "unknown";
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === "string") {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1];
  }
  const apiKey = req.headers["x-api-key"];
  return typeof apiKey === "string" && apiKey.length > 0 ? apiKey.trim() : undefined;
}

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

/**
 * The plain case of a JSON body: `Content-Type: application/json` (optionally `; charset=utf-8`), a
 * `Content-Length` within the limit, no content or transfer encoding. `readPlainJson` reads such a body
 * directly; everything else goes to `express.json` itself.
 */
export function isPlainJson(req: IncomingMessage, limit: number): boolean {
  const h = req.headers;
  const type = h["content-type"];
  const length = h["content-length"];
  if (
    (type !== "application/json" && type !== "application/json; charset=utf-8") ||
    length === undefined || h["content-encoding"] !== undefined || h["transfer-encoding"] !== undefined
  ) {
    return false;
  }
  const expected = Number(length);
  return Number.isSafeInteger(expected) && expected > 0 && expected <= limit;
}

/**
 * Reads and parses a body that `isPlainJson` accepted, with body-parser's strict semantics and error
 * types (`entity.parse.failed`, `request.size.invalid`, `request.aborted`), so the error mapping answers
 * exactly as for body-parser. body-parser's generic machinery (type-is, content-type parsing, raw-body,
 * iconv) was about a quarter of the per-request cost of a verification.
 */
export function readPlainJson(req: IncomingMessage, done: (err: Error | null, body?: unknown) => void): void {
  const expected = Number(req.headers["content-length"]);
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    chunks.push(chunk);
  };
  const onEnd = () => {
    cleanup();
    if (received !== expected) {
      return done(Object.assign(new Error("request size did not match content length"), { type: "request.size.invalid", status: 400, expected, length: received }));
    }
    const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received)).toString("utf8");
    let body: unknown;
    try {
      body = parseJsonBody(text);
    } catch (err) {
      return done(Object.assign(err as Error, { body: text }));
    }
    done(null, body);
  };
  const onError = (err: Error) => {
    cleanup();
    done(Object.assign(err, { type: "request.aborted", status: 400 }));
  };
  const cleanup = () => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
  };
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("error", onError);
}

function fastJson(limit: number, fallback: Middleware): Middleware {
  return (req, res, next) => {
    if (!isPlainJson(req, limit)) return fallback(req, res, next);
    readPlainJson(req, (err, body) => {
      if (err) return next(err);
      req.body = body;
      next();
    });
  };
}

/**
 * Writes pre-serialized JSON in ~1 MB slices (streamed parts as they come), waiting for the socket to
 * drain: a 25 MB plan goes out without one 25 MB Buffer per response (large one-off Buffers are what
 * made the server's RSS balloon).
 */
async function sendRawJson(res: Response, status: number, { parts, contentType }: RawJson): Promise<void> {
  let length = 0;
  for (const p of parts) length += typeof p === "string" ? Buffer.byteLength(p, "utf8") : p.byteLength;
  res.status(status);
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", String(length));
  for (const p of parts) {
    for await (const slice of typeof p === "string" ? slices(p) : p.chunks()) {
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

/** What a route needs from a request once its caller is known and its body is read. */
export interface RouteInput {
  req: Request;
  res: Response;
  principal: Principal;
  params: Record<string, string>;
  /** The parsed query string (`{}` for a URL without "?"). */
  query: object;
  body: unknown;
  source: string;
}

/**
 * Who is calling, from the request's headers alone: the failed-auth limit and a refusal come before a
 * byte of the body is read, so an unauthenticated caller cannot make the server read, buffer or parse
 * a large body. On a refusal of a request that carries a body, the connection is closed after the
 * answer rather than drained.
 */
export async function authenticateRequest(def: RouteDef, auth: AuthService, req: IncomingMessage, res: ServerResponse, source: string): Promise<Principal> {
  if (def.auth === "none") return { kind: "anonymous" };
  try {
    return await auth.authenticate(bearerToken(req), source);
  } catch (err) {
    if (hasBody(req)) res.setHeader("Connection", "close");
    throw err;
  }
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/** One declared route as a function: check path params → validate body/query → handler (the caller is authenticated). */
export function routeRunner(def: RouteDef): (input: RouteInput) => Promise<unknown> {
  const validateBody = def.body ? bodyValidator(def.body) : null;
  const validateQuery = def.query ? queryValidator(def.query) : null;
  return async ({ req, res, principal, params, query: rawQuery, body: rawBody, source }) => {
    for (const name in params) {
      const value = String(params[name]);
      const re = PARAM_PATTERNS[name];
      if (re && !re.test(value)) throw new AppError(ErrorCode.NOT_FOUND, `No ${name} ${JSON.stringify(value.slice(0, 80))}`);
    }
    // A raw body (RouteDef.rawBody) stays in req.body, for the handler to parse and validate.
    const body = def.rawBody ? undefined : validateBody ? validateBody(rawBody === undefined ? {} : rawBody) : undefined;
    if (!validateBody && rawBody !== undefined && Object.keys(rawBody as object).length > 0) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "This route takes no request body.", { errors: [{ field: "/", message: "must be empty" }] });
    }
    const query = validateQuery ? validateQuery({ ...rawQuery }) : ({} as Record<string, never>);
    if (!validateQuery && Object.keys(rawQuery).length > 0) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "This route takes no query parameters.", {
        errors: Object.keys(rawQuery).map((k) => ({ field: `/${k}`, message: "is not a known parameter" })),
      });
    }
    return def.handler({ principal, source, params, body, query, req, res });
  };
}

const JSON_TYPES = ["application/json", "application/*+json"];

/**
 * Reads a JSON body as bytes (RouteDef.rawBody): body-parser's limit, content-encoding and read errors,
 * and the JSON parser's charset rule (UTF-8 only); a body of another media type, or none, is no bytes.
 */
function rawJson(limit: number): Middleware {
  const read = express.raw({ limit, type: JSON_TYPES });
  return (req, res, next) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers["content-type"] ?? "")?.[1]?.toLowerCase();
    if (charset && charset !== "utf-8" && charset !== "utf8" && req.is(JSON_TYPES)) {
      return next(Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), { type: "charset.unsupported", status: 415 }));
    }
    read(req, res, next);
  };
}

/** The body bytes of a RouteDef.rawBody route; undefined when the request had no JSON body. */
export function rawBodyOf(req: Request): Uint8Array | undefined {
  return Buffer.isBuffer(req.body) ? req.body : undefined;
}

/** Registers declared routes on Express: authenticate, read the body, run the route, send its result as JSON. */
export function mountRoutes(router: Router | Express, defs: RouteDef[], auth: AuthService, bodyLimitBytes: number): void {
  for (const def of defs) {
    const run = routeRunner(def);
    const limit = def.bodyLimit ?? bodyLimitBytes;
    const parseJson = def.rawBody ? rawJson(limit) : fastJson(limit, express.json({ limit, strict: true, type: JSON_TYPES }));
    const readBody = (req: Request, res: Response) => new Promise<void>((resolve, reject) => parseJson(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    const handle = async (req: Request, res: Response) => {
      res.locals.route = def.path;
      const source = clientAddress(req, req.app.get("trust proxy fn") as TrustProxy);
      const principal = await authenticateRequest(def, auth, req, res, source);
      await readBody(req, res);
      // `req.query` re-parses the URL on every access: read it once, and not at all without a "?".
      const query = (req.url.includes("?") ? req.query : {}) as object;
      const result = await run({ req, res, principal, params: req.params as Record<string, string>, query, body: req.body, source });
      if (res.headersSent) return;
      const status = def.status ?? 200;
      if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
      else if (result instanceof RawJson) await sendRawJson(res, result.status ?? status, result);
      else res.status(status).json(result);
    };
    (router as Router)[def.method](def.path, (req: Request, res: Response, next: NextFunction) => {
      handle(req, res).catch(next);
    });
  }
}
