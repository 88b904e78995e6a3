import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

const cfg = (stack: string, body: Record<string, unknown>) => ({
  "//": { metadata: { stackName: stack } },
  provider: { keyform: [{ account: "acme" }] },
  ...body,
});
type Diag = { severity: string; summary: string; detail: string; address?: string };
const errors = (body: { diagnostics?: Diag[] }) => (body.diagnostics ?? []).filter((d) => d.severity === "error");

describe.each(STORE_KINDS)("Terraform semantics over REST plan/apply on %s", (kind) => {
  let h: Harness;
  let now = Date.now();
  beforeAll(async () => {
    h = await Harness.start(kind, { clock: () => now });
    await h.account("acme");
  });
  afterAll(() => h.close());

  const plan = (stack: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) => h.as().post(`/v1/stacks/${stack}/plans`, { config: cfg(stack, body), ...extra });
  const apply = (id: string) => h.as().post(`/v1/plans/${id}/apply`, {});
  const names = async () => (await h.as().get("/v1/accounts/acme/keys?status=active")).body.keys.map((k: { name: string }) => k.name);

  describe("input variables", () => {
    const withVar = (decl: Record<string, unknown>, name = "svc-${var.v}") => ({ variable: { v: decl }, resource: { keyform_api_key: { k: { name } } } });

    it("a given value overrides the default", async () => {
      const p = await plan("vars1", withVar({ type: "string", default: "dflt" }), { variables: { v: "given" } });
      expect(p.status).toBe(201);
      expect((await apply(p.body.id)).status).toBe(200);
      expect(await names()).toContain("svc-given");
    });

    it("a variable without a default and no value: No value for required variable, naming it", async () => {
      const p = await plan("vars2", withVar({ type: "string" }));
      expect(p.status).toBe(422);
      const e = errors(p.body).find((d) => d.summary === "No value for required variable");
      expect(e?.detail).toContain('"v"');
      expect(e?.detail).toContain('variable "v"');
    });

    it("a value for an undeclared variable is an error", async () => {
      const p = await plan("vars3", withVar({ default: "x" }), { variables: { nope: "y" } });
      expect(p.status).toBe(422);
      expect(errors(p.body).map((d) => d.summary)).toContain("Value for undeclared variable");
    });

    it("converts a string to the declared number type (as -var gives it)", async () => {
      const p = await plan("vars4", { variable: { n: { type: "number" } }, resource: { keyform_api_key: { k: { count: "${var.n}", name: "n-${count.index}" } } } }, { variables: { n: "2" } });
      expect(p.status).toBe(201);
      expect(p.body.summary.add).toBe(2);
    });

    it("refuses a value of the wrong type without echoing it", async () => {
      const p = await plan("vars5", { variable: { v: { type: "list(string)", sensitive: true } }, resource: { keyform_api_key: { k: { name: "k5" } } } }, { variables: { v: "s3cr3t-value" } });
      expect(p.status).toBe(422);
      const e = errors(p.body).find((d) => d.summary === "Invalid value for input variable");
      expect(e?.detail).toContain("a list is required");
      expect(JSON.stringify(p.body)).not.toContain("s3cr3t-value");
    });

    it("checks objects against their declared attributes", async () => {
      const decl = { type: "object({name=string, scopes=list(string)})" };
      const ok = await plan("vars6", { variable: { o: decl }, resource: { keyform_api_key: { k: { name: "${var.o.name}", scopes: "${var.o.scopes}" } } } }, { variables: { o: { name: "obj", scopes: ["keys:read"] } } });
      expect(ok.status).toBe(201);
      const bad = await plan("vars6", { variable: { o: decl }, resource: { keyform_api_key: { k: { name: "x" } } } }, { variables: { o: { name: "obj" } } });
      expect(errors(bad.body).find((d) => d.summary === "Invalid value for input variable")?.detail).toContain('attribute "scopes" is required');
    });

    it("bounds the number of variables like other plan input", async () => {
      const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`v${i}`, i]));
      const p = await plan("vars7", withVar({ default: "x" }), { variables: many });
      expect(p.status).toBe(400);
    });
  });

  describe("a past expires_at", () => {
    it("is an error when creating a new key", async () => {
      const p = await plan("exp1", { resource: { keyform_api_key: { k: { name: "exp1", expires_at: new Date(now - 3600_000).toISOString() } } } });
      expect(p.status).toBe(422);
      expect(errors(p.body).map((d) => d.summary)).toContain("Invalid expires_at");
    });

    it("is a warning on an existing expired key, and changes to other resources and destroy still go through", async () => {
      const at = new Date(now + 3600_000).toISOString();
      const first = await plan("exp2", { resource: { keyform_api_key: { old: { name: "exp2-old", expires_at: at }, other: { name: "exp2-other" } } } });
      expect((await apply(first.body.id)).status).toBe(200);
      now += 2 * 3600_000; // the key expires; its configured expires_at has passed

      const next = await plan("exp2", { resource: { keyform_api_key: { old: { name: "exp2-old", expires_at: at }, other: { name: "exp2-other", scopes: ["keys:read"] } } } });
      expect(next.status).toBe(201);
      expect(errors(next.body)).toEqual([]);
      expect(next.body.diagnostics.map((d: Diag) => d.summary)).toContain("Expired key not replaced");
      expect(next.body.summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
      expect((await apply(next.body.id)).status).toBe(200);

      const destroy = await plan("exp2", { resource: { keyform_api_key: { old: { name: "exp2-old", expires_at: at }, other: { name: "exp2-other", scopes: ["keys:read"] } } } }, { destroy: true });
      expect(destroy.status).toBe(201);
      expect(destroy.body.summary.destroy).toBe(2);
      expect((await apply(destroy.body.id)).status).toBe(200);
      expect(await names()).not.toContain("exp2-other");
    });
  });
});
