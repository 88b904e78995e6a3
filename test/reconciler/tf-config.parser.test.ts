import { parseConfig } from "../../server/reconciler/tf-config.parser";
import { currentWith, planFor, tfConfig } from "./fixtures";

const A = (name: string) => `keyform_api_key.${name}`;
const errorsOf = (json: unknown) => parseConfig(json).diagnostics.filter((d) => d.severity === "error");

describe("parseConfig: what cdktf synth writes", () => {
  const synth = {
    "//": { metadata: { backend: "local", stackName: "keys", version: "0.21.0" }, outputs: { keys: { ci_key: "ci_key" } } },
    provider: { keyform: [{ account: "acme" }, { alias: "eu", account: "acme-eu", endpoint: "https://eu.keyform.example" }] },
    variable: { env: { type: "string", default: "prod" } },
    resource: {
      keyform_api_key: {
        ci: {
          "//": { metadata: { path: "keys/ci", uniqueId: "ci" } },
          name: "github-actions-${var.env}",
          expires_in: "90d",
          scopes: ["alerts:send"],
          lifecycle: { prevent_destroy: true, ignore_changes: ["scopes"], create_before_destroy: true, replace_triggered_by: ["${keyform_api_key.other}"] },
          depends_on: ["keyform_api_key.other"],
        },
        other: { name: "other" },
        eu: { name: "eu", provider: "keyform.eu" },
        counted: { count: 2, name: "worker-${count.index}" },
        listed: { for_each: '${toset(["a","b"])}', name: "svc-${each.value}" },
        mapped: { for_each: { ro: "keys:read", rw: "keys:manage" }, name: "m-${each.key}", scopes: ["${each.value}"] },
      },
    },
    output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, ci_id: { value: "id=${keyform_api_key.ci.id}" } },
    import: [{ id: "key_123456789012345678901234", to: "keyform_api_key.other", provider: "keyform" }],
    moved: [{ from: "keyform_api_key.old", to: "keyform_api_key.other" }],
    terraform: { required_providers: { keyform: { source: "keyform/keyform" } } },
  };
  const config = parseConfig(synth);

  test("no diagnostics, stack name from //.metadata", () => {
    expect(config.diagnostics).toEqual([]);
    expect(config.stackName).toBe("keys");
  });

  test("count and for_each expand to indexed addresses with interpolated values", () => {
    expect(config.resources.map((r) => r.address)).toEqual([
      A("ci"),
      `${A("counted")}[0]`,
      `${A("counted")}[1]`,
      A("eu"),
      `${A("listed")}["a"]`,
      `${A("listed")}["b"]`,
      `${A("mapped")}["ro"]`,
      `${A("mapped")}["rw"]`,
      A("other"),
    ]);
    const byAddress = Object.fromEntries(config.resources.map((r) => [r.address, r]));
    expect(byAddress[`${A("counted")}[1]`].args.name).toBe("worker-1");
    expect(byAddress[`${A("counted")}[1]`].index).toBe(1);
    expect(byAddress[`${A("listed")}["b"]`].args.name).toBe("svc-b");
    expect(byAddress[`${A("mapped")}["rw"]`].args).toMatchObject({ name: "m-rw", scopes: ["keys:manage"] });
  });

  test("variables, provider aliases and accounts", () => {
    const ci = config.resources.find((r) => r.address === A("ci"))!;
    expect(ci.args.name).toBe("github-actions-prod");
    expect(ci.account).toBe("acme");
    const eu = config.resources.find((r) => r.address === A("eu"))!;
    expect(eu).toMatchObject({ provider: "keyform.eu", account: "acme-eu" });
  });

  test("lifecycle and depends_on", () => {
    const ci = config.resources.find((r) => r.address === A("ci"))!;
    expect(ci.lifecycle).toEqual({
      prevent_destroy: true,
      create_before_destroy: true,
      ignore_changes: ["scopes"],
      replace_triggered_by: [{ address: A("other"), attribute: null }],
    });
    expect(ci.dependsOn).toEqual([A("other")]);
  });

  test("outputs keep references symbolic; templates mix text and references", () => {
    expect(config.outputs).toEqual([
      { name: "ci_id", sensitive: false, expression: { kind: "template", parts: ["id=", { address: A("ci"), attribute: "id" }] }, rawExpression: "id=${keyform_api_key.ci.id}" },
      { name: "ci_key", sensitive: true, expression: { kind: "ref", ref: { address: A("ci"), attribute: "secret" } }, rawExpression: "${keyform_api_key.ci.secret}" },
    ]);
  });

  test("import and moved blocks", () => {
    expect(config.imports).toEqual([{ id: "key_123456789012345678901234", to: A("other") }]);
    expect(config.moves).toEqual([{ from: A("old"), to: A("other") }]);
  });

  test("provider given as an object instead of an array", () => {
    const c = parseConfig({ provider: { keyform: { account: "solo" } }, resource: { keyform_api_key: { a: { name: "a" } } } });
    expect(c.resources[0].account).toBe("solo");
    expect(c.diagnostics).toEqual([]);
  });
});

describe("parseConfig: diagnostics, never exceptions", () => {
  test.each([null, 42, "text", [], [1, 2]])("malformed document %p", (doc) => {
    const c = parseConfig(doc);
    expect(c.resources).toEqual([]);
    expect(c.diagnostics[0]).toMatchObject({ severity: "error", summary: "Invalid configuration" });
  });

  test("malformed blocks inside a document", () => {
    const ds = errorsOf({ provider: "x", resource: { keyform_api_key: { a: 5, b: { name: 7, count: -1 } } }, output: { o: {} }, import: {}, moved: "x" });
    expect(ds.map((d) => d.summary)).toEqual(
      expect.arrayContaining(["Invalid provider block", "Invalid resource block", "Invalid count argument", "Missing required argument", "Invalid import block", "Invalid moved block"]),
    );
  });

  test.each([
    ["a function other than toset", { name: '${upper("x")}' }, 'function "upper" is not supported'],
    ["an operator", { name: "${var.a + 1}" }, "Unsupported operator"],
    ["a conditional", { name: '${true ? "a" : "b"}' }, 'Unsupported operator or character "?"'],
    ["a splat", { name: "${keyform_api_key.other[*].name}" }, "splat expressions ([*]) are not supported"],
    ["an undeclared resource", { name: "${keyform_api_key.nope.name}" }, "reference to undeclared resource keyform_api_key.nope"],
    ["another provider's resource", { name: "${aws_iam_user.u.name}" }, 'references to "aws_iam_user" are not supported'],
    ["an undeclared variable", { name: "${var.missing}" }, 'no value for variable "missing"'],
    ["a template directive", { name: "%{ if true }x%{ endif }" }, "directives"],
    ["each outside for_each", { name: "${each.key}" }, 'context without for_each'],
  ])("%s is an error diagnostic with the address", (_label, body, detail) => {
    const ds = errorsOf(tfConfig({ a: body as Record<string, unknown>, other: { name: "other" } }));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ severity: "error", summary: "Unsupported expression", address: A("a") });
    expect(ds[0].detail).toContain(detail);
  });

  test("a name built from another key's computed attribute is known only after apply: deferred, no diagnostic", () => {
    const c = parseConfig(tfConfig({ a: { name: "svc-${keyform_api_key.other.id}" }, other: { name: "other" } }));
    expect(errorsOf(tfConfig({ a: { name: "svc-${keyform_api_key.other.id}" }, other: { name: "other" } }))).toEqual([]);
    const a = c.resources.find((r) => r.address === A("a"))!;
    expect(a.args.name).toBeNull();
    expect(a.deferred?.name).toEqual(["svc-", { address: "keyform_api_key.other", attribute: "id" }]);
    expect(a.dependsOn).toEqual(["keyform_api_key.other"]);
  });

  test("a computed attribute in an argument other than name is one 'Value known only after apply' error", () => {
    const ds = errorsOf(tfConfig({ a: { name: "a", expires_at: "${keyform_api_key.other.created_at}" }, other: { name: "other" } }));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ severity: "error", summary: "Value known only after apply", address: A("a") });
    expect(ds[0].detail).toContain("keyform_api_key.other.created_at");
  });

  test("unknown arguments and computed attributes cannot be set", () => {
    const ds = errorsOf(tfConfig({ a: { name: "a", secret: "kf_live_x", colour: "red" } }));
    expect(ds.map((d) => [d.summary, d.detail])).toEqual([
      ["Unsupported argument", 'An argument named "colour" is not expected here.'],
      ["Unsupported argument", 'An argument named "secret" is not expected here.'],
    ]);
  });

  test("a resource with no account anywhere", () => {
    const ds = errorsOf({ resource: { keyform_api_key: { a: { name: "a" } } } });
    expect(ds).toEqual([expect.objectContaining({ summary: "Missing account", address: A("a") })]);
  });

  test("for_each over a plain list is refused as in Terraform", () => {
    const ds = errorsOf(tfConfig({ a: { for_each: ["x", "y"], name: "${each.value}" } }));
    expect(ds[0]).toMatchObject({ summary: "Invalid for_each argument", address: A("a") });
  });

  test("other providers' resources and data sources: one warning each, no resource_changes", () => {
    const json = tfConfig({ a: { name: "a" } }, { resource: { keyform_api_key: { a: { name: "a" } }, aws_iam_user: { u: { name: "u" } } }, data: { aws_caller_identity: { me: {} } } });
    const c = parseConfig(json);
    expect(c.diagnostics).toEqual([
      expect.objectContaining({ severity: "warning", summary: "Resource not managed by keyform", address: "aws_iam_user.u" }),
      expect.objectContaining({ severity: "warning", summary: "Resource not managed by keyform", address: "data.aws_caller_identity.me" }),
    ]);
    const p = planFor({}, currentWith([]), {}, { resource: { keyform_api_key: { a: { name: "a" } }, aws_iam_user: { u: { name: "u" } } } });
    expect(p.errored).toBe(false);
    expect(p.terraform.resourceChanges.map((e) => e.address)).toEqual([A("a")]);
  });

  test("replace_triggered_by and depends_on must name declared keyform resources", () => {
    const ds = errorsOf(tfConfig({ a: { name: "a", depends_on: ["keyform_api_key.nope"], lifecycle: { replace_triggered_by: ["${keyform_api_key.ghost}"] } } }));
    expect(ds.map((d) => d.summary).sort()).toEqual(["Invalid replace_triggered_by expression", "Reference to undeclared resource"]);
  });

  test("a reference cycle between arguments is reported", () => {
    const ds = errorsOf(tfConfig({ a: { name: "${keyform_api_key.b.name}" }, b: { name: "${keyform_api_key.a.name}" } }));
    expect(ds.length).toBeGreaterThan(0);
    expect(ds[0].detail).toContain("cycle");
  });

  test("$${ escapes a literal interpolation", () => {
    const c = parseConfig(tfConfig({ a: { name: "a" } }, { output: { lit: { value: "$${not.a.ref}" } } }));
    expect(c.outputs[0].expression).toEqual({ kind: "literal", value: "${not.a.ref}" });
  });
});

describe("data sources", () => {
  test("read at plan time by name; missing is an error", () => {
    const current = currentWith([{ address: A("ci"), name: "ci" }]);
    const found = planFor({}, current, {}, { data: { keyform_api_key: { ci: { name: "ci" } } }, output: { ci_id: { value: "${data.keyform_api_key.ci.id}" } } });
    expect(found.errored).toBe(false);
    expect(found.outputs).toEqual([expect.objectContaining({ name: "ci_id", known: true, value: current.state!.resources[0].keyId })]);
    const missing = planFor({}, current, {}, { data: { keyform_api_key: { nope: { name: "nope" } } } });
    expect(missing.diagnostics).toEqual([expect.objectContaining({ severity: "error", summary: "Key not found", address: "data.keyform_api_key.nope" })]);
  });
});

describe("parseConfig: a real `cdktf synth` output (cdktf 0.21)", () => {
  // Synthesized from TerraformResource/TerraformIterator/TerraformVariable constructs; only the
  // backend path was made relative.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const synth = require("./cdk.tf.json");

  test("parses without diagnostics: providers, aliases, variables, iterators, import", () => {
    const c = parseConfig(synth);
    expect(c.diagnostics).toEqual([]);
    expect(c.stackName).toBe("keys");
    expect(c.resources.map((r) => r.address)).toEqual([
      A("ci"),
      `${A("counted")}[0]`,
      `${A("counted")}[1]`,
      `${A("listed")}["a"]`,
      `${A("listed")}["b"]`,
      `${A("mapped")}["ro"]`,
      `${A("mapped")}["rw"]`,
      A("other"),
    ]);
    expect(c.resources[0]).toMatchObject({ provider: "keyform.eu", account: "acme-eu", args: { name: "ci-prod" } });
    expect(c.imports).toEqual([{ id: "key_123456789012345678901234", to: A("ci") }]);
  });
});

describe("parseConfig: locals, variables in count/for_each, object values", () => {
  test("each.value.field over a variable map, toset(local.list), count from a variable", () => {
    const c = parseConfig({
      provider: { keyform: [{ account: "acme" }] },
      locals: { prefix: "svc", names: ["x", "y"] },
      variable: { keys: { default: { a: { scopes: ["k:r"] }, b: { scopes: [] } } }, n: { default: 2 } },
      resource: {
        keyform_api_key: {
          m: { for_each: "${var.keys}", name: "${local.prefix}-${each.key}", scopes: "${each.value.scopes}" },
          s: { for_each: "${toset(local.names)}", name: "${each.value}" },
          c: { count: "${var.n}", name: "c${count.index}" },
        },
      },
    });
    expect(c.diagnostics).toEqual([]);
    expect(c.resources.map((r) => [r.address, r.args.name, r.args.scopes])).toEqual([
      [`${A("c")}[0]`, "c0", null],
      [`${A("c")}[1]`, "c1", null],
      [`${A("m")}["a"]`, "svc-a", ["k:r"]],
      [`${A("m")}["b"]`, "svc-b", []],
      [`${A("s")}["x"]`, "x", null],
      [`${A("s")}["y"]`, "y", null],
    ]);
  });
});

describe("parseConfig: outputs of a mixed stack", () => {
  test("an output reading another provider's object is left out with a warning", () => {
    const c = parseConfig(tfConfig({ a: { name: "a" } }, { output: { arn: { value: "${aws_iam_user.u.arn}" }, a_id: { value: "${keyform_api_key.a.id}" } } }));
    expect(c.diagnostics).toEqual([expect.objectContaining({ severity: "warning", summary: "Output not evaluated", address: "output.arn" })]);
    expect(c.outputs.map((o) => o.name)).toEqual(["a_id"]);
  });
});
