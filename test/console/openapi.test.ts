import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import request from "supertest";
import { apiRoutes, createApp } from "../../server/app";
import { DEFAULT_SETTINGS } from "../../server/config";
import { withConsole } from "../../server/console/console.extension";
import { buildServices, type Services } from "../../server/container";
import { extendServices } from "../../server/extensions";
import { NAME_PATTERN } from "../../core/keys/names";
import { createLogger } from "../../server/logging/logger";
import { buildOpenApiDocument, openApiPath } from "../../server/openapi/openapi.document";
import { Store } from "../../server/store/store";
import { OPENAPI_31_SHAPE } from "./openapi-3.1.shape";

/** Every route of DESIGN.md's REST API (v1). */
const DESIGN_ROUTES = [
  "POST /v1/accounts",
  "GET /v1/accounts/{account}",
  "PATCH /v1/accounts/{account}",
  "POST /v1/accounts/{account}/keys",
  "POST /v1/accounts/{account}/keys/import",
  "GET /v1/accounts/{account}/keys",
  "GET /v1/accounts/{account}/keys/{id}",
  "PATCH /v1/accounts/{account}/keys/{id}",
  "DELETE /v1/accounts/{account}/keys/{id}",
  "POST /v1/accounts/{account}/keys/{id}/regenerate",
  "POST /v1/accounts/{account}/keys/revoke-all",
  "POST /v1/verify",
];
/** The reconciler's routes. */
const DESIGN_RECONCILER_ROUTES = [
  "POST /v1/stacks/{stack}/plans",
  "GET /v1/plans/{id}",
  "POST /v1/plans/{id}/apply",
  "GET /v1/stacks",
  "GET /v1/stacks/{stack}",
  "GET /v1/stacks/{stack}/state",
  "DELETE /v1/stacks/{stack}/lock",
];

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

function operations(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).filter((m) => m !== "parameters").map((m) => `${m.toUpperCase()} ${p}`));
}

describe("OpenAPI document and API reference", () => {
  let store: Store;
  let services: Services;
  let app: ReturnType<typeof createApp>;
  let doc: Doc;

  beforeAll(async () => {
    store = await Store.open({ url: "sqlite::memory:" });
    services = withConsole(extendServices(buildServices(store, { ...DEFAULT_SETTINGS, adminToken: "kfadmin_openapi_test" }, createLogger({ level: "silent" }))));
    app = createApp(services);
    const res = await request(app).get("/openapi.json").expect(200).expect("content-type", /application\/json/);
    doc = res.body as Doc;
  });

  afterAll(async () => {
    await services.shutdown();
    await store.close();
  });

  it("validates against the OpenAPI 3.1 structure", () => {
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    const validate = ajv.compile(OPENAPI_31_SHAPE);
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("has a structure check that refuses broken documents", () => {
    const validate = addFormats(new Ajv2020({ strict: false })).compile(OPENAPI_31_SHAPE);
    const clone = () => JSON.parse(JSON.stringify(doc));
    const noVersion = clone();
    delete noVersion.info.version;
    const optionalPathParam = clone();
    optionalPathParam.paths["/v1/accounts/{account}"].get.parameters[0].required = false;
    const badStatus = clone();
    badStatus.paths["/v1/verify"].post.responses["2000"] = { description: "x" };
    const swagger2 = { ...clone(), openapi: "3.0.3" };
    for (const broken of [noVersion, optionalPathParam, badStatus, swagger2]) expect(validate(broken)).toBe(false);
  });

  it("holds only valid JSON Schema 2020-12 schemas", () => {
    const ajv = addFormats(new Ajv2020({ strict: false }));
    // Response schemas refer to components/schemas: resolve them within the document.
    ajv.addSchema({ ...doc, $id: "https://keyform.test/openapi.json" } as object);
    let n = 0;
    const inDoc = (s: unknown) => ({ $id: `https://keyform.test/schema-${n++}`, allOf: [JSON.parse(JSON.stringify(s).replace(/"#\/components\//g, '"https://keyform.test/openapi.json#/components/'))] });
    const schemas: unknown[] = [...Object.values(doc.components.schemas)];
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const media of Object.values(op.requestBody?.content ?? {})) schemas.push(media.schema);
        for (const p of op.parameters ?? []) schemas.push((p as { schema?: unknown }).schema);
        for (const r of Object.values(op.responses) as Array<{ content?: Record<string, { schema: unknown }> }>) {
          for (const media of Object.values(r.content ?? {})) schemas.push(media.schema);
        }
      }
    }
    expect(schemas.length).toBeGreaterThan(60);
    for (const s of schemas) expect(() => ajv.compile(inDoc(s))).not.toThrow();
  });

  it("declares every path parameter and gives every operation a unique id", () => {
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths)) {
      const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        const declared = (op.parameters ?? []).filter((x) => x.in === "path").map((x) => x.name);
        expect(declared).toEqual(templated);
      }
    }
  });

  it("lists every route of DESIGN.md", () => {
    // Parameter names may differ from DESIGN.md's (`:id` vs `:planId`); their positions may not.
    const shape = (o: string) => o.replace(/\{[^}]+\}/g, "{}");
    const listed = operations(doc).map(shape);
    for (const route of [...DESIGN_ROUTES, ...DESIGN_RECONCILER_ROUTES]) expect(listed).toContain(shape(route));
  });

  it("is built from the RouteDefs the router mounts: same routes, same validation schemas", () => {
    const routes = apiRoutes(services);
    expect(operations(doc).sort()).toEqual(routes.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path).path}`).sort());
    expect(buildOpenApiDocument(routes, { version: (doc as unknown as { info: { version: string } }).info.version })).toEqual(doc);
    const create = doc.paths["/v1/accounts/{account}/keys"].post;
    const body = create.requestBody!.content["application/json"].schema as { properties: { name: { pattern: string } }; additionalProperties: boolean };
    expect(body.properties.name.pattern).toBe(NAME_PATTERN);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "404", "409", "422"]));
    // ?format=text|markdown of the plan route comes from its query schema.
    const planPath = Object.keys(doc.paths).find((p) => /^\/v1\/plans\/\{[^}]+\}$/.test(p));
    if (planPath) {
      const ok = doc.paths[planPath].get.responses["200"] as { content: Record<string, unknown> };
      expect(Object.keys(ok.content).sort()).toEqual(["application/json", "text/markdown", "text/plain"]);
    }
  });

  it("serves the reference page and swagger-ui from this server, not a CDN", async () => {
    const page = await request(app).get("/docs").expect(200).expect("content-type", /html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) {
      expect(a.startsWith("/docs/")).toBe(true);
      await request(app).get(a).expect(200);
    }
    const init = await request(app).get("/docs/docs-init.js").expect(200);
    expect(init.text).toContain('url: "/openapi.json"');
    await request(app).get("/docs/index.html").expect(404);
  });
});
