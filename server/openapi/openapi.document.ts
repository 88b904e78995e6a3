import type { TSchema } from "@sinclair/typebox";
import { ERROR_CODES, ErrorCode } from "../errors/error-code";
import type { RouteDef } from "../http/route";

/** A JSON Schema as plain data: TypeBox's symbol-keyed markers dropped. */
const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema));

type Json = Record<string, unknown>;

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

function responsesFor(def: RouteDef): Json {
  const status = String(def.status ?? 200);
  const out: Json = {};
  const response = (def as { response?: TSchema }).response;
  const content: Json = { "application/json": { schema: response ? plain(response) : { type: "object" } } };
  for (const f of formatsOf(def)) content[FORMAT_MEDIA[f]] = { schema: { type: "string", description: `With ?format=${f}.` } };
  out[status] = status === "204" ? { description: "Done; no content." } : { description: def.summary, content };
  out["400"] = { $ref: "#/components/responses/Problem" };
  if (def.auth !== "none") {
    out["401"] = { $ref: "#/components/responses/Problem" };
    out["403"] = { $ref: "#/components/responses/Problem" };
  }
  out["404"] = { $ref: "#/components/responses/Problem" };
  if (def.method !== "get") {
    // Conflicts (NAME_TAKEN, KEY_LIMIT_REACHED, PLAN_STALE, STACK_LOCKED …) and policy refusals.
    out["409"] = { $ref: "#/components/responses/Problem" };
    out["422"] = { $ref: "#/components/responses/Problem" };
  }
  if (def.body) out["413"] = { $ref: "#/components/responses/Problem" };
  out["429"] = { $ref: "#/components/responses/Problem" };
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
      schemas: { Problem: problemSchema() },
      responses: {
        Problem: {
          description: "An error, as RFC 9457 problem details.",
          content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
        },
      },
    },
  };
}

function problemSchema(): Json {
  return {
    type: "object",
    required: ["type", "title", "status", "code", "detail"],
    properties: {
      type: { type: "string" },
      title: { type: "string" },
      status: { type: "integer" },
      code: {
        type: "string",
        enum: Object.values(ErrorCode),
        description: Object.values(ErrorCode).map((c) => `${c}: ${ERROR_CODES[c].status}`).join(", "),
      },
      detail: { type: "string" },
      request_id: { type: "string" },
      errors: {
        type: "array",
        items: { type: "object", required: ["field", "message"], properties: { field: { type: "string" }, message: { type: "string" } } },
      },
    },
  };
}
