import type { IncomingMessage, ServerResponse } from "node:http";
import type { Request, Response } from "express";
import type { AuthService } from "../auth/auth.service";
import { RawJson } from "../json/raw-json";
import type { RouteDef } from "./route";
import { authenticateRequest, clientAddress, isPlainJson, readPlainJson, routeRunner, type TrustProxy } from "./router";

export interface FastLaneOptions {
  /** Routes served below Express: POST routes without path parameters that declare `fastLane`. */
  routes: RouteDef[];
  auth: AuthService;
  bodyLimitBytes: number;
  /** Express's compiled `trust proxy` function, so the client address is the one `req.ip` gives. */
  trust: TrustProxy;
  /** Starts the request: request id header, access log and metrics at finish. Returns the request id. */
  begin: (req: IncomingMessage, res: ServerResponse, route: string) => string;
  /** The security headers every response carries. */
  headers: (res: ServerResponse) => void;
  /** Answers a failure as the error middleware does. */
  fail: (err: unknown, path: string, res: ServerResponse, requestId: string) => void;
}

/**
 * The verification route on every request of our users' APIs, answered below Express: Express's
 * per-request machinery (prototype swaps on req/res, the middleware and router chain, `res.json`) cost
 * more CPU than the verification itself. A request takes the lane only in the plain case — exact path,
 * no query string, a plain JSON body (`isPlainJson`) — and then goes through the same pieces as on
 * Express, in the same order: request id, access log and metrics (`begin`), security headers, body read
 * with body-parser's semantics, the route's own authentication, validation and handler
 * (`routeRunner`), and the error middleware's problem answers (`fail`). Anything else returns `false`
 * and is served by Express, untouched (nothing of the request has been read).
 */
export function fastLane(opts: FastLaneOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const lanes = new Map(
    opts.routes.map((def) => {
      if (def.method !== "post" || def.path.includes(":")) throw new Error(`route ${def.method} ${def.path} cannot take the fast lane`);
      return [def.path, { def, run: routeRunner(def), limit: def.bodyLimit ?? opts.bodyLimitBytes, status: def.status ?? 200 }] as const;
    }),
  );
  return (req, res) => {
    if (req.method !== "POST") return false;
    const lane = lanes.get(req.url ?? "");
    if (!lane || !isPlainJson(req, lane.limit)) return false;
    const path = lane.def.path;
    const id = opts.begin(req, res, path);
    opts.headers(res);
    const source = clientAddress(req, opts.trust);
    // As on Express: the caller is authenticated before the body is read.
    authenticateRequest(lane.def, opts.auth, req, res, source)
      .then((principal) => new Promise<unknown>((resolve, reject) => readPlainJson(req, (err, body) => (err ? reject(err) : resolve(body)))).then((body) =>
        // Routes in the lane never use Express's req/res API (RouteDef.fastLane).
        lane.run({ req: req as Request, res: res as Response, principal, params: {}, query: {}, body, source }),
      ))
      .then(
        (result) => {
          if (res.headersSent) return;
          if (result instanceof RawJson) throw new Error(`${path}: a fast-lane route cannot answer RawJson`);
          if (lane.status === 204 || result === undefined) {
            res.statusCode = lane.status === 200 ? 204 : lane.status;
            res.end();
            return;
          }
          const text = JSON.stringify(result);
          res.statusCode = lane.status;
          res.setHeader("Content-Type", "application/json; charset=utf-8");
          res.setHeader("Content-Length", Buffer.byteLength(text));
          res.end(text);
        },
      )
      .catch((e: unknown) => opts.fail(e, path, res, id));
    return true;
  };
}
