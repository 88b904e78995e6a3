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
    await h.account("acme", { key_limit: 1000 });
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

    it("a sensitive variable stays masked in the plan text", async () => {
      const p = await plan("vars8", withVar({ type: "string", sensitive: true }), { variables: { v: "hushhush" } });
      expect(p.status).toBe(201);
      const t = (await h.as().get(`/v1/plans/${p.body.id}?format=text`)).text as string;
      expect(t).toMatch(/\+ name\s+= \(sensitive value\)/);
      expect(t).not.toContain("hushhush");
      expect((await h.as().get(`/v1/plans/${p.body.id}?format=markdown`)).text).not.toContain("hushhush");
    });

    it("an output of a sensitive variable must be marked sensitive", async () => {
      const p = await plan("vars9", { variable: { v: { type: "string", sensitive: true, default: "x" } }, output: { o: { value: "${var.v}" } } });
      expect(p.status).toBe(422);
      expect(errors(p.body).map((d) => d.summary)).toEqual(["Output refers to sensitive values"]);
      const ok = await plan("vars9", { variable: { v: { type: "string", sensitive: true, default: "x" } }, output: { o: { value: "${var.v}", sensitive: true } } });
      expect(ok.status).toBe(201);
    });

    it("a rule broken by a sensitive variable's value does not quote it", async () => {
      const p = await plan("vars10", withVar({ type: "string", sensitive: true }, "${var.v}"), { variables: { v: "not a valid name!" } });
      expect(p.status).toBe(422);
      expect(errors(p.body).map((d) => d.summary)).toEqual(["Invalid key name"]);
      expect(JSON.stringify(p.body.diagnostics)).not.toContain("not a valid name!");
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
  describe("values known only after apply", () => {
    const keys = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ resource: { keyform_api_key: resources }, ...extra });
    const text = async (id: string) => (await h.as().get(`/v1/plans/${id}?format=text`)).text as string;
    const json = async (id: string) => (await h.as().get(`/v1/plans/${id}?format=json`)).body; // the bare Terraform JSON plan
    const keyNamed = async (name: string) => (await h.as().get("/v1/accounts/acme/keys?status=active")).body.keys.find((k: { name: string }) => k.name === name);

    it("plans a name built from a new key's id as (known after apply), with no diagnostic", async () => {
      const p = await plan("unk1", keys({ deploy: { name: "unk1-deploy" }, svc: { name: "svc-${keyform_api_key.deploy.id}" } }));
      expect(p.status).toBe(201);
      expect(p.body.diagnostics).toEqual([]);
      const t = await text(p.body.id);
      expect(t).toMatch(/# keyform_api_key\.svc will be created[\s\S]*name\s+= \(known after apply\)/);
    });

    it("puts the unknown name in after_unknown of the JSON plan", async () => {
      const p = await plan("unk2", keys({ deploy: { name: "unk2-deploy" }, svc: { name: "svc-${keyform_api_key.deploy.id}" } }));
      const rc = (await json(p.body.id)).resource_changes.find((r: { address: string }) => r.address === "keyform_api_key.svc");
      expect(rc.change.after_unknown.name).toBe(true);
      expect(rc.change.after.name).toBeUndefined();
    });

    it("apply resolves the name in dependency order", async () => {
      const p = await plan("unk3", keys({ deploy: { name: "unk3-deploy" }, svc: { name: "svc-${keyform_api_key.deploy.id}" } }));
      const a = await apply(p.body.id);
      expect(a.status).toBe(200);
      const deploy = await keyNamed("unk3-deploy");
      expect(await keyNamed(`svc-${deploy.id}`)).toBeDefined();
      // once applied, the same configuration plans no change
      const again = await plan("unk3", keys({ deploy: { name: "unk3-deploy" }, svc: { name: "svc-${keyform_api_key.deploy.id}" } }));
      expect(again.body.summary).toMatchObject({ add: 0, change: 0, destroy: 0 });
    });

    it("flows through locals and templates", async () => {
      const cfg1 = keys({ deploy: { name: "unk4-deploy" }, svc: { name: "${local.prefix}-x" } }, { locals: { prefix: "svc-${keyform_api_key.deploy.account}-${keyform_api_key.deploy.id}" } });
      const p = await plan("unk4", cfg1);
      expect(p.status).toBe(201);
      expect(p.body.diagnostics).toEqual([]);
      expect((await apply(p.body.id)).status).toBe(200);
      const deploy = await keyNamed("unk4-deploy");
      expect(await keyNamed(`svc-acme-${deploy.id}-x`)).toBeDefined();
    });

    it("an output of an unknown name is (known after apply) in the plan and known after apply", async () => {
      const cfg1 = keys({ deploy: { name: "unk5-deploy" }, svc: { name: "svc-${keyform_api_key.deploy.id}" } }, { output: { svc_name: { value: "${keyform_api_key.svc.name}" } } });
      const p = await plan("unk5", cfg1);
      expect((await json(p.body.id)).output_changes.svc_name.after_unknown).toBe(true);
      expect(await text(p.body.id)).toMatch(/svc_name\s+= \(known after apply\)/);
      const a = await apply(p.body.id);
      const deploy = await keyNamed("unk5-deploy");
      expect(a.body.outputs.svc_name.value).toBe(`svc-${deploy.id}`);
    });

    it("a name referring to a key that already exists is known at plan", async () => {
      const cfg1 = keys({ deploy: { name: "unk6-deploy" } });
      expect((await apply((await plan("unk6", cfg1)).body.id)).status).toBe(200);
      const deploy = await keyNamed("unk6-deploy");
      const p = await plan("unk6", keys({ deploy: { name: "unk6-deploy" }, svc: { name: "svc-${keyform_api_key.deploy.id}" } }));
      expect(await text(p.body.id)).toMatch(new RegExp(`\\+ name\\s+= "svc-${deploy.id}"`));
    });

    it("checks the name rules at apply, with the REST error code", async () => {
      // deploy's created_at (an RFC 3339 time, with ':') makes an invalid name: known only at apply.
      const p = await plan("unk7", keys({ deploy: { name: "unk7-deploy" }, svc: { name: "svc-${keyform_api_key.deploy.created_at}" } }));
      expect(p.status).toBe(201);
      const a = await apply(p.body.id);
      // the same refusal as the same name given to REST
      const rest = await h.as().post("/v1/accounts/acme/keys", { name: "svc-2026-01-01T00:00:00.000Z" });
      expect(a.status).toBe(rest.status);
      expect(a.body.code).toBe("VALIDATION_FAILED");
      expect(a.body.code).toBe(rest.body.code);
      expect(await keyNamed("unk7-deploy")).toBeUndefined(); // nothing of the apply landed
    });

    it("checks name uniqueness at apply, with the REST error code", async () => {
      await h.key("acme", { name: "live" });
      // deploy's type is left to the server ("live"): svc's name collides with the existing key only once known.
      const p = await plan("unk8", keys({ deploy: { name: "unk8-deploy" }, svc: { name: "${keyform_api_key.deploy.type}" } }));
      expect(p.body.diagnostics).toEqual([]);
      expect(p.status).toBe(201);
      const a = await apply(p.body.id);
      expect(a.body.code).toBe("NAME_TAKEN");
      expect(a.status).toBe((await h.as().post("/v1/accounts/acme/keys", { name: "live" })).status);
      expect(await keyNamed("unk8-deploy")).toBeUndefined();
    });

    it("a reference to another provider's resource is one diagnostic, with no spurious name error", async () => {
      const p = await plan("unk9", keys({ svc: { name: "svc-${aws_instance.web.id}" } }));
      expect(p.status).toBe(422);
      const summaries = errors(p.body).map((d) => d.summary);
      expect(summaries).toEqual(["Unsupported expression"]);
      expect(JSON.stringify(p.body.diagnostics)).not.toContain("Invalid key name");
    });

    it("an unknown value where it must be known (scopes) is one clear diagnostic", async () => {
      const p = await plan("unk10", keys({ deploy: { name: "unk10-deploy" }, svc: { name: "svc", scopes: ["${keyform_api_key.deploy.id}"] } }));
      expect(p.status).toBe(422);
      const e = errors(p.body);
      expect(e.map((d) => d.summary)).toEqual(["Value known only after apply"]);
      expect(e[0].detail).toContain("keyform_api_key.deploy.id");
    });
  });
});
