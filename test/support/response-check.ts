import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { TSchema } from "@sinclair/typebox";
import { ProblemSchema } from "../../client/src/api-schemas";
import { ERROR_CODES, ErrorCode } from "../../server/errors/error-code";
import type { RouteDef } from "../../server/http/route";

/**
 * Checks real answers against what their route declares (RouteDef.responses, the schemas /openapi.json
 * documents): a JSON answer against the schema for its status, a problem answer against the route's own
 * problem schema for that status or the shared Problem schema (and its `code` against its status), a 204
 * for an empty body. A route that answers JSON with a status it does not declare is a mismatch too.
 * Answers outside the declared routes (probes, /metrics, /docs) are not checked, except problems.
 */
export class ResponseCheck {
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  private readonly compiled = new Map<TSchema, ValidateFunction>();
  private readonly routes: Array<{ def: RouteDef; method: string; re: RegExp }>;
  /** Answers checked, by route (`GET /v1/...`) and status: which declared answers the tests exercised. */
  readonly seen = new Map<string, Set<number>>();

  constructor(defs: readonly RouteDef[]) {
    // Express tries routes in the order they are mounted; the router mounts /v1/verify first, then the rest in order.
    this.routes = defs.map((def) => ({
      def,
      method: def.method.toUpperCase(),
      re: new RegExp(`^${def.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_][A-Za-z0-9_]*/g, "[^/]+")}$`),
    }));
  }

  private validator(schema: TSchema): ValidateFunction {
    let v = this.compiled.get(schema);
    if (!v) this.compiled.set(schema, (v = this.ajv.compile(schema)));
    return v;
  }

  routeOf(method: string, url: string): RouteDef | undefined {
    const path = url.split("?")[0];
    return this.routes.find((r) => r.method === method && r.re.test(path))?.def;
  }

  /** A description of what is wrong with this answer, or null when it is what its route declares. */
  check(method: string, url: string, status: number, contentType: string, body: string): string | null {
    const def = this.routeOf(method, url);
    const what = `${method} ${url.split("?")[0]} → ${status}`;
    const media = contentType.split(";")[0].trim().toLowerCase();
    if (media === "application/problem+json") return this.checkProblem(def, what, status, body);
    if (!def) return null;
    const key = `${def.method.toUpperCase()} ${def.path}`;
    if (!this.seen.has(key)) this.seen.set(key, new Set());
    this.seen.get(key)!.add(status);
    const declared = def.responses[status];
    if (declared === undefined) return `${what}: the route declares no ${status} answer (it declares ${Object.keys(def.responses).join(", ")})`;
    if (declared === null) return body.length === 0 ? null : `${what}: declared without a body, but sent ${body.length} bytes`;
    if (media === "text/plain" || media === "text/markdown") {
      return def.query && /format/.test(JSON.stringify(def.query)) ? null : `${what}: sent ${media}, which the route does not declare`;
    }
    if (media !== "application/json") return `${what}: sent ${media || "no content type"}, not application/json`;
    return this.validate(declared, what, body);
  }

  private checkProblem(def: RouteDef | undefined, what: string, status: number, body: string): string | null {
    const own = def?.responses[status];
    const wrong = this.validate(own ?? ProblemSchema, what, body);
    if (wrong) return wrong;
    const p = JSON.parse(body) as { code: string; status: number };
    if (!Object.values(ErrorCode).includes(p.code as ErrorCode)) return `${what}: problem code ${p.code} is not an ErrorCode`;
    if (ERROR_CODES[p.code as ErrorCode].status !== status || p.status !== status) return `${what}: problem code ${p.code} with status ${p.status}`;
    return null;
  }

  private validate(schema: TSchema, what: string, body: string): string | null {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return `${what}: the body is not JSON`;
    }
    const v = this.validator(schema);
    if (v(json)) return null;
    const errors = (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
    return `${what}: the body does not match the declared schema: ${errors.join("; ")}`;
  }
}
