import type { Request, Response } from "express";
import type { Static, TObject, TSchema } from "@sinclair/typebox";
import type { Principal } from "../auth/principal";

export interface RouteContext<B, Q> {
  principal: Principal;
  source: string;
  params: Record<string, string>;
  body: B;
  query: Q;
  req: Request;
  res: Response;
}

/**
 * One route, declared once: its schemas validate requests, type the handler and feed the OpenAPI
 * document. Handlers return the response body; the router sends it with `status`.
 */
export interface RouteDef<B extends TSchema = TSchema, Q extends TObject = TObject> {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  /** `none` only for public probes; every API route authenticates. */
  auth?: "required" | "none";
  body?: B;
  query?: Q;
  /** The success status (default 200). */
  status?: number;
  /**
   * What the route answers, by status: the JSON body's schema, or `null` for no body (204). The success
   * status must be here; problem answers need not be (every route shares the Problem schema), unless one
   * carries more (422 PLAN_FAILED with its plan). `/openapi.json` documents these, and the tests validate
   * real answers against them (test/support/response-check.ts).
   */
  responses: Readonly<Record<number, TSchema | null>>;
  /** Bigger body limit for this route (plan configs). */
  bodyLimit?: number;
  /**
   * The router reads the JSON body as bytes, with the same limit and read errors (413, 415, 400), and
   * neither parses nor validates it: the handler gets the bytes (`rawBodyOf(ctx.req)`) to parse and
   * validate elsewhere (plan configurations: in a plan worker) against `body`, which still documents it.
   */
  rawBody?: boolean;
  /**
   * Served below Express in the plain case (see `fastLane`): only for a hot POST route without path
   * parameters whose handler returns a plain JSON value and never touches `ctx.req`/`ctx.res`.
   */
  fastLane?: boolean;
  handler: (ctx: RouteContext<Static<B>, Static<Q>>) => Promise<unknown>;
}

export function route<B extends TSchema, Q extends TObject>(def: RouteDef<B, Q>): RouteDef {
  return def as unknown as RouteDef;
}

const SLICE = 1 << 20;

/** Slices of at most ~1M characters, never splitting a surrogate pair (each slice is encoded on its own). */
export function* slices(text: string): Generator<string> {
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + SLICE);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    yield text.slice(i, end);
    i = end;
  }
}
