import { randomUUID } from "node:crypto";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import request from "supertest";
import { KeyViewSchema } from "../../client/src/api-schemas";
import { apiRoutes } from "../../server/app";
import { route } from "../../server/http/route";
import { buildOpenApiDocument, openApiPath } from "../../server/openapi/openapi.document";
import { STORE_KINDS } from "../support/db";
import { Harness } from "../support/harness";
import { ResponseCheck } from "../support/response-check";

type Op = { responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }> };
type Doc = { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown>; responses: Record<string, unknown> } };

const config = (stack: string, resources: Record<string, unknown>, outputs: Record<string, unknown> = {}) => ({
  "//": { metadata: { stackName: stack } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: resources },
  ...(Object.keys(outputs).length ? { output: outputs } : {}),
});

describe("response schemas in /openapi.json", () => {
  let h: Harness;
  let doc: Doc;
  beforeAll(async () => {
    h = await Harness.start("sqlite");
    doc = (await h.anon.get("/openapi.json").expect(200)).body as Doc;
  });
  afterAll(() => h.close());

  it("every route the router mounts documents a body schema (or no content) for its success status", () => {
    const routes = apiRoutes(h.services);
    expect(routes.length).toBeGreaterThan(15);
    const ajv = addFormats(new Ajv2020({ strict: false }));
    ajv.addSchema({ ...doc, $id: "doc" } as object);
    for (const def of routes) {
      const where = `${def.method.toUpperCase()} ${def.path}`;
      const status = String(def.status ?? 200);
      const op = doc.paths[openApiPath(def.path).path]?.[def.method];
      expect({ where, op: op !== undefined }).toEqual({ where, op: true });
      const answer = op.responses[status];
      expect({ where, status, answer: answer !== undefined }).toEqual({ where, status, answer: true });
      if (status === "204") {
        expect(answer.content).toBeUndefined();
        continue;
      }
      const schema = answer.content?.["application/json"]?.schema as Record<string, unknown> | undefined;
      // Not the placeholder every route had before: a $ref to a named schema, or a described object.
      expect({ where, schema: schema !== undefined && JSON.stringify(schema) !== JSON.stringify({ type: "object" }) }).toEqual({ where, schema: true });
      // It resolves against the document's components and compiles.
      expect(() => ajv.compile({ $ref: `doc#/paths/${openApiPath(def.path).path.replace(/~/g, "~0").replace(/\//g, "~1")}/${def.method}/responses/${status}/content/application~1json/schema` })).not.toThrow();
    }
  });

  it("names the shared schemas once under components/schemas and refers to them with $ref", () => {
    const keys = doc.paths["/v1/accounts/{account}/keys"];
    expect(keys.get.responses["200"].content!["application/json"].schema).toEqual({ $ref: "#/components/schemas/KeyList" });
    expect(keys.post.responses["201"].content!["application/json"].schema).toEqual({ $ref: "#/components/schemas/KeyWithSecret" });
    const list = doc.components.schemas.KeyList as { properties: { keys: { items: unknown } } };
    expect(list.properties.keys.items).toEqual({ $ref: "#/components/schemas/KeyView" });
    const problem = doc.components.schemas.Problem as { properties: { code: { enum: string[] } }; required: string[] };
    expect(problem.properties.code.enum).toContain("NAME_TAKEN");
    expect(problem.required).toEqual(expect.arrayContaining(["type", "title", "status", "code", "detail"]));
    expect(doc.components.responses.Problem).toMatchObject({ content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });
    // The plan: JSON, or the same plan as text/plain or text/markdown; a PLAN_FAILED answer carries it too.
    const plan = Object.entries(doc.paths).find(([p]) => /^\/v1\/plans\/\{[^}]+\}$/.test(p))![1].get.responses["200"].content!;
    // keyform's plan view (the default), or with ?format=json the bare Terraform plan
    expect(plan["application/json"].schema).toEqual({ anyOf: [{ $ref: "#/components/schemas/Plan" }, { $ref: "#/components/schemas/TerraformPlan" }] });
    expect(Object.keys(plan).sort()).toEqual(["application/json", "text/markdown", "text/plain"]);
    const failed = doc.paths["/v1/stacks/{stack}/plans"].post.responses["422"].content!["application/problem+json"].schema;
    expect(failed).toEqual({ $ref: "#/components/schemas/PlanFailedProblem" });
    // Every $ref in the document points at something that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(schemas|responses)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(20);
    for (const [, kind, name] of refs) expect(Object.keys(doc.components[kind as "schemas"])).toContain(name);
  });

  it("refuses to build a document with a route that declares no answer for its success status", () => {
    const bare = route({ method: "get", path: "/v1/bare", tag: "test", summary: "No answer declared.", responses: {}, handler: async () => ({}) });
    expect(() => buildOpenApiDocument([...apiRoutes(h.services), bare])).toThrow(/GET \/v1\/bare declares no response for its status 200/);
  });

  it("the response check catches a schema that lies", () => {
    const lying = route({ method: "get", path: "/v1/lying/:id", tag: "test", summary: "x", responses: { 200: KeyViewSchema }, handler: async () => ({}) });
    const check = new ResponseCheck([lying]);
    const key = {
      id: "key_" + "a".repeat(24), account: "acme", name: "n", type: "live", masked: "kf_live_…abcd", scopes: [], status: "active",
      created_at: new Date().toISOString(), expires_in: null, expires_at: null, last_used_at: null, uses: 0, remaining_uses: null,
      managed_by_stack: null, managed_by_stack_owner: null,
    };
    const answer = (body: unknown, status = 200, type = "application/json") => check.check("GET", "/v1/lying/x?y=1", status, type, JSON.stringify(body));
    expect(answer(key)).toBeNull();
    expect(answer({ ...key, secret: "kf_live_x" })).toMatch(/must NOT have additional properties \(secret\)/);
    const { uses: _uses, ...missing } = key;
    expect(answer(missing)).toMatch(/must have required property 'uses'/);
    expect(answer({ ...key, status: "gone" })).toMatch(/\/status/);
    expect(answer(key, 201)).toMatch(/declares no 201 answer/);
    expect(answer({ type: "t", title: "t", status: 404, code: "NOT_FOUND", detail: "d" }, 404, "application/problem+json")).toBeNull();
    expect(answer({ type: "t", title: "t", status: 409, code: "NOT_FOUND", detail: "d" }, 409, "application/problem+json")).toMatch(/NOT_FOUND with status 409/);
    expect(answer({ title: "t", status: 404, code: "NOT_FOUND", detail: "d" }, 404, "application/problem+json")).toMatch(/required property 'type'/);
  });
});

describe.each(STORE_KINDS)("real answers across the main flows are what their routes declare, on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
  });
  afterAll(() => h.close());

  it("accounts, keys, verify, stacks, plans and apply", async () => {
    const op = h.as();
    await op.post("/v1/accounts", { id: "acme", name: "Acme", key_limit: 20, max_expiry: "1y" }).expect(201);
    await op.get("/v1/accounts/acme").expect(200);
    await op.patch("/v1/accounts/acme", { name: null, key_limit: 25 }).expect(200);
    await op.post("/v1/accounts", { id: "acme" }).expect(409);

    const live = await h.key("acme", { name: "ci", scopes: ["alerts:send", "keys:verify", "keys:manage"], expires_in: "90d" });
    const temp = await h.key("acme", { name: "once", type: "temp" });
    await op.post("/v1/accounts/acme/keys/import", { name: "old", secret: randomUUID() }).expect(201);
    await op.post("/v1/accounts/acme/keys", { name: "ci" }).expect(409);
    await op.post("/v1/accounts/acme/keys", { name: "bad name!" }).expect(400);
    await op.get("/v1/accounts/acme/keys").expect(200);
    await op.get("/v1/accounts/acme/keys?status=active&type=live&limit=1").expect(200);

    for (const r of [await h.verify(live.secret), await h.verify(live.secret, ["nope:x"]), await h.verify("kf_live_nope"), await h.verify(temp.secret), await h.verify(temp.secret)]) {
      expect(r.status).toBe(200);
    }
    await h.verify(live.secret, undefined, live.secret).expect(200);
    await op.get(`/v1/accounts/acme/keys/${live.key.id}`).expect(200);
    await op.patch(`/v1/accounts/acme/keys/${live.key.id}`, { name: "ci-2", scopes: ["alerts:send", "keys:verify", "keys:manage"] }).expect(200);
    await op.post(`/v1/accounts/acme/keys/${live.key.id}/regenerate`, { grace_period: "15m" }).expect(200);
    await op.post(`/v1/accounts/acme/keys/${temp.key.id}/regenerate`, {}).expect(422);
    await op.delete(`/v1/accounts/acme/keys/${temp.key.id}`).expect(204);
    await op.get(`/v1/accounts/acme/keys/key_${"0".repeat(24)}`).expect(404);
    await op.get("/v1/accounts/acme/audit?limit=5").expect(200);
    await h.anon.get("/v1/accounts/acme").expect(401);

    // Stacks: plan, read it three ways, apply, read the stack and its state, a stale lock, a failed plan.
    const cfg = config("svc", { a: { name: "svc-a", scopes: ["alerts:send"], expires_in: "30d" }, b: { name: "svc-b", type: "temp" } }, {
      a_secret: { value: "${keyform_api_key.a.secret}", sensitive: true }, a_id: { value: "${keyform_api_key.a.id}" }, note: { value: "hello" },
    });
    const plan = await op.post("/v1/stacks/svc/plans", { config: cfg }).expect(201);
    await op.get(`/v1/plans/${plan.body.id}`).expect(200);
    await op.get(`/v1/plans/${plan.body.id}?format=text`).expect(200);
    await op.get(`/v1/plans/${plan.body.id}?format=markdown`).expect(200);
    await op.get(`/v1/plans/${plan.body.id}?format=json`).expect(200);
    await op.post(`/v1/plans/${plan.body.id}/apply`, {}).expect(200);
    await op.post(`/v1/plans/${plan.body.id}/apply`, {}).expect(409);
    await op.get("/v1/stacks").expect(200);
    await op.get("/v1/stacks/svc").expect(200);
    await op.get("/v1/stacks/svc/state").expect(200);
    await h.as(live.secret).get("/v1/stacks").expect(200);

    const change = await op.post("/v1/stacks/svc/plans", { config: config("svc", { a: { name: "svc-a2", scopes: ["alerts:send"], expires_in: "30d" } }) }).expect(201);
    await h.store.write((tx) => tx.query("UPDATE stacks SET lock_id = ?, lock_operation = ?, lock_who = ?, lock_created_at = ?, lock_expires_at = ? WHERE name = ?", [
      "11111111-1111-4111-8111-111111111111", "OperationTypeApply", "operator@10.0.0.9", Date.now(), Date.now() + 60_000, "svc"]));
    await op.post(`/v1/plans/${change.body.id}/apply`, {}).expect(409);
    await op.delete("/v1/stacks/svc/lock").send({ lock_id: "nope" }).expect(409);
    await op.delete("/v1/stacks/svc/lock").send({ lock_id: "11111111-1111-4111-8111-111111111111" }).expect(200);
    await op.post(`/v1/plans/${change.body.id}/apply`, {}).expect(200);

    const failed = await op.post("/v1/stacks/bad/plans", { config: config("bad", { x: { name: "x", account: "ghost" } }) }).expect(422);
    expect(failed.body.plan?.errored).toBe(true);
    await op.post("/v1/stacks/bad/plans", { refresh: true }).expect(400);
    await op.get(`/v1/plans/${failed.body.plan.id}`).expect(200);
    await op.get("/v1/stacks/nope").expect(404);
    await request(h.app).get("/v1/nowhere").expect(404);

    await op.post("/v1/accounts/acme/keys/revoke-all", {}).expect(200);

    // Every route was exercised with its success status, and every answer was what its route declares.
    const check = h.responseCheck!;
    for (const def of apiRoutes(h.services)) {
      const where = `${def.method.toUpperCase()} ${def.path}`;
      expect({ where, seen: [...(check.seen.get(where) ?? [])].includes(def.status ?? 200) }).toEqual({ where, seen: true });
    }
    expect(h.responseMismatches).toEqual([]);
  });
});
