import type { ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { AppError } from "./app-error";
import { RawJson, type StreamedJson } from "../json/raw-json";
import { ErrorCode, ERROR_CODES } from "./error-code";
import { isStoreUnavailable } from "../store/driver-errors";

const PROBLEM_BASE = "https://keyform.dev/problems/";

/** Maps anything thrown into an AppError: body-parser errors, driver outages, bugs. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === "entity.too.large") return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is larger than this route accepts.");
  if (e?.type === "entity.parse.failed") {
    return new AppError(ErrorCode.VALIDATION_FAILED, "The request body is not valid JSON.", { errors: [{ field: "/", message: "is not valid JSON" }] });
  }
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") {
    return new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as UTF-8 JSON.");
  }
  if (e?.type === "request.aborted" || e?.type === "stream.not.readable" || e?.type === "request.size.invalid") {
    return new AppError(ErrorCode.VALIDATION_FAILED, "The request body could not be read.", { errors: [{ field: "/", message: "could not be read" }] });
  }
  // Express's router refuses a path segment that is not valid percent-encoding with a URIError (status
  // 400); before this mapping it surfaced as a 500.
  if (err instanceof URIError) {
    return new AppError(ErrorCode.VALIDATION_FAILED, "The request path is not valid percent-encoded UTF-8.", { errors: [{ field: "/path", message: "is not valid percent-encoding" }] });
  }
  // Any other client error raised by Express or its parsers keeps its 4xx meaning instead of becoming a 500.
  const status = e?.status ?? (err as { statusCode?: number })?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (status === 413) return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is larger than this route accepts.");
    if (status === 415) return new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as UTF-8 JSON.");
    return new AppError(ErrorCode.VALIDATION_FAILED, "The request could not be read.", { errors: [{ field: "/", message: "could not be read" }] });
  }
  if (isStoreUnavailable(err)) return new AppError(ErrorCode.STORE_UNAVAILABLE, "The key store is unreachable; retry shortly.", { headers: { "Retry-After": "1" } });
  return new AppError(ErrorCode.INTERNAL, "An unexpected error occurred.");
}

export function problemBody(err: AppError, requestId: string | undefined) {
  const { errors, headers: _headers, ...extra } = err.extra;
  return {
    type: PROBLEM_BASE + err.code.toLowerCase().replace(/_/g, "-"),
    title: ERROR_CODES[err.code].title,
    status: err.status,
    code: err.code,
    detail: err.detail,
    request_id: requestId,
    ...(errors ? { errors } : {}),
    ...extra,
  };
}

/**
 * A problem answer whose body goes on past the problem's own members: `tail` is more members, already
 * serialized (`,"plan":{…`) or streamed from storage, then the closing braces. For failures that carry a
 * large document (a failed plan carries the plan): it is sent in pieces, never built as one string.
 */
export function problemRawJson(err: AppError, requestId: string | undefined, ...tail: Array<string | StreamedJson>): RawJson {
  const answer = new RawJson(JSON.stringify(problemBody(err, requestId)).slice(0, -1), ...tail, "}");
  answer.status = err.status;
  answer.contentType = "application/problem+json; charset=utf-8";
  return answer;
}

/** Writes a problem+json answer on any response (Express's or Node's own), as `res.type(...).send(...)` would. */
export function writeProblem(res: ServerResponse, err: AppError, requestId: string | undefined): void {
  for (const [k, v] of Object.entries(err.extra.headers ?? {})) res.setHeader(k, v);
  // Every outage answer (API routes and /readyz alike) tells clients and load balancers when to retry.
  if (err.code === ErrorCode.STORE_UNAVAILABLE && !res.hasHeader("retry-after")) res.setHeader("Retry-After", "1");
  const body = JSON.stringify(problemBody(err, requestId));
  res.statusCode = err.status;
  res.setHeader("Content-Type", "application/problem+json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

/** Maps a failure to its problem and logs server-side failures (never the request body or headers). */
export function reportError(logger: Logger, err: unknown, path: string, requestId: string | undefined): AppError {
  const appErr = toAppError(err);
  if (appErr.status >= 500) {
    const e = err as Error;
    logger.error({ req_id: requestId, path, err: { name: e?.name, message: e?.message, code: (e as { code?: string })?.code, stack: e?.stack } }, "request failed");
  }
  return appErr;
}

export function errorMiddleware(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string | undefined;
    const appErr = reportError(logger, err, req.path, requestId);
    // Failed in the middle of a response (a streamed plan): cut the connection, as Express's final
    // handler does, so the client sees an incomplete answer rather than waiting for the rest.
    if (res.headersSent) res.destroy();
    else writeProblem(res, appErr, requestId);
  };
}
