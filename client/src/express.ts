import type { IncomingMessage, ServerResponse } from "node:http";
import type { KeyformClient } from "./client";
import { KeyformError } from "./errors";

/** What `requireKey` puts on the request once the key verified. */
export interface VerifiedKey {
  keyId: string;
  account: string;
  scopes: string[];
  type: "live" | "temp" | "legacy";
  expiresAt: string | null;
  remainingUses: number | null;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireKey` for a request whose key verified. */
      keyform?: VerifiedKey;
    }
  }
}

export interface RequireKeyOptions {
  /** Verifies the keys; its token needs `keys:verify` on the account whose keys your users present. */
  client: KeyformClient;
  /** Scopes the key must hold, all of them (403 otherwise). */
  scopes?: string[];
  /**
   * Where the key is: `authorization` (a Bearer token) or another header such as `x-api-key`. By
   * default the Bearer token, else `x-api-key`.
   */
  header?: string;
  /**
   * When keyform cannot answer (down, unreachable, too slow): refuse the request with 503 (the default:
   * fail closed), or let it through without `req.keyform` (`failOpen: true`, at your own risk).
   */
  failOpen?: boolean;
  /** Told of every failure to verify (not of refused keys), e.g. to log it. */
  onError?: (err: unknown) => void;
}

type Req = IncomingMessage & { keyform?: VerifiedKey };
type Next = (err?: unknown) => void;

/**
 * Express middleware (any Connect-style framework) that lets a request through only with a key keyform
 * verifies as VALID (and holding `scopes`): 401 or 403 as problem+json otherwise, 503 when keyform
 * cannot answer. The verified key is on `req.keyform`.
 */
export function requireKey(opts: RequireKeyOptions): (req: Req, res: ServerResponse, next: Next) => void {
  const header = opts.header?.toLowerCase();
  return (req, res, next) => {
    const key = presented(req, header);
    if (!key) return refuse(res, 401, "UNAUTHORIZED", "A valid API key is required.", { "WWW-Authenticate": 'Bearer realm="api"' });
    opts.client.verify(key, opts.scopes).then(
      (r) => {
        if (r.valid) {
          req.keyform = { keyId: r.key_id!, account: r.account!, scopes: r.scopes ?? [], type: r.type!, expiresAt: r.expires_at ?? null, remainingUses: r.remaining_uses ?? null };
          return next();
        }
        if (r.code === "INSUFFICIENT_SCOPES") return refuse(res, 403, "FORBIDDEN", `This API key lacks a required scope (${(opts.scopes ?? []).join(", ")}).`);
        refuse(res, 401, "UNAUTHORIZED", "A valid API key is required.", { "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' });
      },
      (err: unknown) => {
        opts.onError?.(err);
        if (opts.failOpen && err instanceof KeyformError && (err.unreachable || err.status >= 500)) return next();
        refuse(res, 503, "VERIFICATION_UNAVAILABLE", "The API key could not be verified right now; retry shortly.", { "Retry-After": "1" });
      },
    );
  };
}

function presented(req: IncomingMessage, header: string | undefined): string | undefined {
  const bearer = () => {
    const h = req.headers.authorization;
    const m = typeof h === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    return m?.[1];
  };
  if (header === undefined) return bearer() ?? single(req.headers["x-api-key"]);
  return header === "authorization" ? bearer() : single(req.headers[header]);
}

const single = (v: string | string[] | undefined) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

function refuse(res: ServerResponse, status: number, code: string, detail: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: "about:blank", title: code === "FORBIDDEN" ? "Forbidden" : status === 503 ? "Service unavailable" : "Unauthorized", status, code, detail });
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/problem+json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}
