import type { TSchema } from "@sinclair/typebox";
import { API_SCHEMAS, ProblemSchema } from "../../client/src/api-schemas";
import { ERROR_CODES, ErrorCode } from "../errors/error-code";
import type { RouteDef } from "../http/route";

/** A JSON Schema as plain data: TypeBox's symbol-keyed markers dropped. */
const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema));

type Json = Record<string, unknown>;

/** The named response schemas (components/schemas), by identity. */
const NAMES = new Map<unknown, string>(Object.entries(API_SCHEMAS).map(([name, schema]) => [schema, name]));

/**
 * A response schema as plain JSON Schema, with every named schema inside it (a KeyView in a key list, …)
 * replaced by a $ref to components/schemas; `self` is the one being defined there.
 */
function withRefs(node: unknown, self?: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => withRefs(n));
  if (node === null || typeof node !== "object") return node;
  const name = NAMES.get(node);
  if (name !== undefined && node !== self) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withRefs(v)]));
}

/** A route's response schema: a $ref when it is a named one, else inline (with $refs inside). */
const responseSchema = (schema: TSchema): Json => withRefs(schema) as Json;

export interface OpenApiOptions {
  version?: string;
  /** Descriptions of path parameters, keyed by name; their patterns when the router has them. */
  pathParams?: Record<string, { description?: string; pattern?: string }>;
}

const DEFAULT_PATH_PARAMS: Record<string, { description: string }> = {
  account: { description: "Account id (a-z 0-9 -, up to 64)." },
  id: { description: "Key id: key_ followed by 24 base62 characters." },
  stack: { description: "Stack name (global)." },
  planId: { description: "Plan id." },
};

/** `/v1/accounts/:account/keys` → `/v1/accounts/{account}/keys`, with the parameter names in order. */
export function openApiPath(expressPath: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

/** Unique, stable operation id from method and path: `get /v1/accounts/:account/keys/:id` → `getAccountsByAccountKeysById`. */
export function operationId(def: Pick<RouteDef, "method" | "path">): string {
  const cap = (w: string) => w[0].toUpperCase() + w.slice(1);
  const words = def.path
    .replace(/^\/v\d+\//, "/")
    .split("/")
    .filter(Boolean)
    .map((seg) => (seg.startsWith(":") ? `By${cap(seg.slice(1))}` : seg.split(/[-_.]/).filter(Boolean).map(cap).join("")));
  return `${def.method}${words.join("")}`;
}

/** Media types a `?format=` query parameter selects (GET /v1/plans/:id?format=text|markdown). */
const FORMAT_MEDIA: Record<string, string> = { text: "text/plain", markdown: "text/markdown" };

function formatsOf(def: RouteDef): string[] {
  const format = def.query ? (plain(def.query) as { properties?: Record<string, Json> }).properties?.format : undefined;
  const values = [format?.const, format?.enum, ...((format?.anyOf as Json[] | undefined) ?? []).map((v) => v.const)].flat();
  return values.filter((v): v is string => typeof v === "string" && v in FORMAT_MEDIA);
}

/** The status a route answers on success, and its declared body (undefined: none declared — a bug the tests catch). */
export function successResponse(def: RouteDef): { status: number; schema: TSchema | null | undefined } {
  const status = def.status ?? 200;
  return { status, schema: def.responses[status] };
}

function responsesFor(def: RouteDef): Json {
  const out: Json = {};
  const success = successResponse(def);
  for (const [code, schema] of Object.entries(def.responses)) {
    if (Number(code) >= 400) {
      if (schema) out[code] = { description: schema.description ?? "An error.", content: { "application/problem+json": { schema: responseSchema(schema) } } };
      continue;
    }
    if (schema === null) {
      out[code] = { description: "Done; no content." };
      continue;
    }
    const content: Json = { "application/json": { schema: responseSchema(schema) } };
    if (Number(code) === success.status) {
      for (const f of formatsOf(def)) content[FORMAT_MEDIA[f]] = { schema: { type: "string", description: `With ?format=${f}.` } };
    }
    out[code] = { description: Number(code) === success.status ? def.summary : (schema.description ?? def.summary), content };
  }
  if (success.schema === undefined) throw new Error(`${def.method.toUpperCase()} ${def.path} declares no response for its status ${success.status}`);
  const problem = (code: string) => {
    if (!(code in out)) out[code] = { $ref: "#/components/responses/Problem" };
  };
  problem("400");
  if (def.auth !== "none") {
    problem("401");
    problem("403");
  }
  problem("404");
  if (def.method !== "get") {
    // Conflicts (NAME_TAKEN, KEY_LIMIT_REACHED, PLAN_STALE, STACK_LOCKED …) and policy refusals.
    problem("409");
    problem("422");
  }
  if (def.body) problem("413");
  problem("429");
  out.default = { $ref: "#/components/responses/Problem" };
  return out;
}

function operationFor(def: RouteDef, params: string[], opts: OpenApiOptions): Json {
  const parameters: Json[] = params.map((name) => {
    const known = { ...DEFAULT_PATH_PARAMS[name], ...opts.pathParams?.[name] };
    return {
      name,
      in: "path",
      required: true,
      description: known.description,
      schema: { type: "string", ...(known.pattern ? { pattern: known.pattern } : {}) },
    };
  });
  if (def.query) {
    const q = plain(def.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: "query", required: (q.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  const op: Json = {
    operationId: operationId(def),
    summary: def.summary,
    tags: [def.tag],
    ...(parameters.length ? { parameters } : {}),
    security: def.auth === "none" ? [] : [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    responses: responsesFor(def),
  };
  if (def.body) {
    const body = plain(def.body) as { required?: string[] };
    op.requestBody = { required: (body.required ?? []).length > 0, content: { "application/json": { schema: body } } };
  }
  return op;
}

/**
 * The OpenAPI 3.1 document, built from the same RouteDef list that the router mounts: the body and
 * query schemas here are the ones that validate requests.
 */
export function buildOpenApiDocument(routes: readonly RouteDef[], opts: OpenApiOptions = {}): Json {
  const paths: Record<string, Json> = {};
  for (const def of routes) {
    const { path, params } = openApiPath(def.path);
    const item = (paths[path] ??= {});
    if (item[def.method]) throw new Error(`Two routes declare ${def.method.toUpperCase()} ${def.path}`);
    item[def.method] = operationFor(def, params, opts);
  }
  const tags = [...new Set(routes.map((r) => r.tag))].map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: {
      title: "keyform API",
      version: opts.version ?? "0.0.0",
      summary: "API keys managed like infrastructure: declare, plan, review, apply, verify.",
      description:
        "Authenticate with `Authorization: Bearer <token>` or `x-api-key: <token>`, using the operator token or an account key. " +
        "Every error is `application/problem+json` with a stable `code`. A key's secret appears only in the response that created or regenerated it.",
      license: { name: "MPL-2.0", identifier: "MPL-2.0" },
    },
    servers: [{ url: "/" }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "The operator token or an account key." },
        apiKeyHeader: { type: "apiKey", in: "header", name: "x-api-key", description: "The same token, in the x-api-key header." },
      },
      schemas: componentSchemas(),
      responses: {
        Problem: {
          description: "An error, as RFC 9457 problem details.",
          content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
        },
      },
    },
  };
}

/** components/schemas: the named response schemas; Problem's `code` lists every ErrorCode with its status. */
function componentSchemas(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(API_SCHEMAS)) out[name] = withRefs(schema, schema) as Json;
  const problem = out.Problem as { properties: Record<string, Json> };
  if (!NAMES.has(ProblemSchema)) throw new Error("Problem is not a named schema");
  problem.properties.code = {
    ...problem.properties.code,
    enum: Object.values(ErrorCode),
    description: Object.values(ErrorCode).map((c) => `${c}: ${ERROR_CODES[c].status}`).join(", "),
  };
  return out;
}
