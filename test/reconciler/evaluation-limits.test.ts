import { DEFAULT_LIMITS, type EvaluationLimits, MAX_DIAGNOSTICS } from "../../server/reconciler/evaluation-limits";
import { plan } from "../../server/reconciler/plan";
import type { DesiredConfig, Diagnostic } from "../../server/reconciler/reconciler.types";
import { parseConfig } from "../../server/reconciler/tf-config.parser";
import { currentWith, NOW, tfConfig, type Json } from "./fixtures";

const A = (name: string) => `keyform_api_key.${name}`;
const errors = (c: DesiredConfig): Diagnostic[] => c.diagnostics.filter((d) => d.severity === "error");
const limits = (overrides: Partial<EvaluationLimits>): EvaluationLimits => ({ ...DEFAULT_LIMITS, ...overrides });

/** The one diagnostic of a refused configuration. */
function refusal(c: DesiredConfig): Diagnostic {
  expect(c.refused).toBe(true);
  expect(errors(c)).toHaveLength(1);
  return errors(c)[0];
}

function nested(depth: number, leaf: unknown = "x"): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** local.l0 → local.l1 → … → local.l{n}; each refers to the next one `refs` times. */
function localChain(n: number, link: (next: string) => unknown, last: unknown): Json {
  const locals: Json = {};
  for (let i = 0; i < n; i++) locals[`l${i}`] = link(`local.l${i + 1}`);
  locals[`l${n}`] = last;
  return locals;
}

describe("each local and each argument is evaluated once", () => {
  // Each local refers to the next one twice: evaluated per reference, 2^60 evaluations.
  const doubling = tfConfig({ k: { name: "${local.l0[1]}" } }, { locals: localChain(60, (next) => [`\${${next}[0]}`, `\${${next}[1]}`], ["svc-a", "svc-b"]) });

  test("a 60-level chain of locals that each refer to the next one twice takes a few steps per local", () => {
    const c = parseConfig(doubling, limits({ maxSteps: 2_000 }));
    expect(c.diagnostics).toEqual([]);
    expect(c.resources[0].args.name).toBe("svc-b");
  });

  test("so does a chain of arguments that each refer to the next resource's argument twice", () => {
    const resources: Record<string, Json> = {};
    for (let i = 0; i < 40; i++) resources[`k${i}`] = { name: `k${i}`, scopes: [`\${keyform_api_key.k${i + 1}.scopes[0]}`, `\${keyform_api_key.k${i + 1}.scopes[1]}`] };
    resources.k40 = { name: "k40", scopes: ["alerts:send", "keys:read"] };
    const c = parseConfig(tfConfig(resources), limits({ maxSteps: 5_000 }));
    expect(c.diagnostics).toEqual([]);
    expect(c.resources.find((r) => r.address === A("k0"))!.args.scopes).toEqual(["alerts:send", "keys:read"]);
    // Each depends on the resource it refers to, not on what that one refers to.
    expect(c.resources.find((r) => r.address === A("k0"))!.dependsOn).toEqual([A("k1")]);
  });

  test("a local's dependencies reach every resource that uses it, also after the first one", () => {
    const c = parseConfig(tfConfig({ a: { name: "a" }, b: { name: "${local.x}-b" }, c: { name: "${local.x}-c" } }, { locals: { x: "${keyform_api_key.a.name}" } }));
    expect(c.diagnostics).toEqual([]);
    expect(c.resources.map((r) => [r.address, r.args.name, r.dependsOn])).toEqual([
      [A("a"), "a", []],
      [A("b"), "a-b", [A("a")]],
      [A("c"), "a-c", [A("a")]],
    ]);
  });

  test("a cycle through locals is reported as a cycle wherever it is used", () => {
    const c = parseConfig(tfConfig({ a: { name: "${local.l0}" }, b: { name: "${local.l1}" } }, { locals: { l0: "${local.l1}", l1: "${local.l0}" } }));
    expect(c.refused).toBeUndefined();
    expect(errors(c).map((d) => [d.address, d.detail])).toEqual([
      [A("a"), expect.stringMatching(/refers to itself/)],
      [A("b"), expect.stringMatching(/refers to itself/)],
    ]);
  });
});

describe("evaluation limits: one diagnostic naming the limit and the place", () => {
  test("nesting in an attribute (a 5,000-deep array: 'Maximum call stack size exceeded' before)", () => {
    const d = refusal(parseConfig(tfConfig({ k: { name: "k", scopes: nested(5_000) } })));
    expect(d).toMatchObject({ summary: "Configuration nested too deeply", address: A("k") });
    expect(d.detail).toMatch(/^resource\.keyform_api_key\.k\.scopes\[0\]/);
    expect(d.detail).toContain("the limit is 64 (server setting KEYFORM_PLAN_MAX_DEPTH)");
  });

  test("nesting is counted from the configuration's root, within the limit it is evaluated", () => {
    // `scopes` is at level 5 (root, resource, type, name, scopes): 50 more is a type error, not a limit.
    const within = parseConfig(tfConfig({ k: { name: "k", scopes: nested(50) } }));
    expect(within.refused).toBeUndefined();
    expect(errors(within)[0].summary).toBe("Incorrect attribute value type");
    expect(refusal(parseConfig(tfConfig({ k: { name: "k", scopes: nested(7) } }), limits({ maxDepth: 10 }))).summary).toBe("Configuration nested too deeply");
    expect(refusal(parseConfig(tfConfig({}, { variable: { v: { default: nested(100) } } }))).address).toBe("var.v");
  });

  test("nesting inside an expression (`${[[[…]]]}` 10,000 deep) in arguments, outputs and replace_triggered_by", () => {
    const deep = "${" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    for (const config of [
      tfConfig({ k: { name: deep } }),
      tfConfig({ k: { name: "k" } }, { output: { o: { value: deep } } }),
      tfConfig({ k: { name: "k", lifecycle: { replace_triggered_by: [deep] } } }),
    ]) {
      const d = refusal(parseConfig(config));
      expect(d.summary).toBe("Expression nested too deeply");
      expect(d.detail).toContain("KEYFORM_PLAN_MAX_DEPTH");
      expect(d.detail.length).toBeLessThan(400); // the expression is quoted, shortened
    }
  });

  test("a chain of 5,000 locals; a chain of 200 is evaluated", () => {
    const chain = (n: number) => tfConfig({ k: { name: "${local.l0}" } }, { locals: localChain(n, (next) => `\${${next}}`, "end") });
    const d = refusal(parseConfig(chain(5_000)));
    expect(d).toMatchObject({ summary: "Reference chain too long", address: A("k") });
    expect(d.detail).toMatch(/keyform_api_key\.k\.name → local\.l0 → local\.l1 → … /);
    expect(d.detail).toContain("the limit is 256 (server setting KEYFORM_PLAN_MAX_REFERENCE_CHAIN)");
    const ok = parseConfig(chain(200));
    expect(ok.diagnostics).toEqual([]);
    expect(ok.resources[0].args.name).toBe("end");
  });

  test("a chain of 1,000 resource-argument references; a chain of 100 is evaluated", () => {
    const chain = (n: number) => {
      const resources: Record<string, Json> = {};
      for (let i = 0; i < n; i++) resources[`k${i}`] = { name: `\${keyform_api_key.k${i + 1}.name}` };
      resources[`k${n}`] = { name: "end" };
      return tfConfig(resources);
    };
    const d = refusal(parseConfig(chain(1_000)));
    expect(d.summary).toBe("Reference chain too long");
    expect(d.detail).toContain("keyform_api_key.k0.name → keyform_api_key.k1.name");
    expect(parseConfig(chain(100)).diagnostics.filter((x) => x.summary !== "Duplicate key name")).toEqual([]);
  });

  test.each([
    ["resource", (n: number) => tfConfig(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { name: `k${i}` }])))],
    ["resource (of any provider)", (n: number) => tfConfig({}, { resource: { aws_iam_user: Object.fromEntries(Array.from({ length: n }, (_, i) => [`u${i}`, {}])) } })],
    ["data", (n: number) => tfConfig({}, { data: { keyform_api_key: Object.fromEntries(Array.from({ length: n }, (_, i) => [`d${i}`, { id: "key_x" }])) } })],
    ["output", (n: number) => tfConfig({}, { output: Object.fromEntries(Array.from({ length: n }, (_, i) => [`o${i}`, { value: "v" }])) })],
    ["variable", (n: number) => tfConfig({}, { variable: Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, { default: i }])) })],
    ["locals", (n: number) => tfConfig({}, { locals: Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, i])) })],
    ["provider", (n: number) => tfConfig({}, { provider: { keyform: Array.from({ length: n }, (_, i) => ({ alias: `a${i}` })) } })],
    ["import", (n: number) => tfConfig({}, { import: Array.from({ length: n }, () => ({ id: "key_x", to: "keyform_api_key.k" })) })],
    ["moved", (n: number) => tfConfig({}, { moved: Array.from({ length: n }, (_, i) => ({ from: `keyform_api_key.a${i}`, to: `keyform_api_key.b${i}` })) })],
    ["removed", (n: number) => tfConfig({}, { removed: Array.from({ length: n }, (_, i) => ({ from: `keyform_api_key.r${i}` })) })],
  ])("too many %s blocks", (kind, config) => {
    const d = refusal(parseConfig(config(10_001)));
    expect(d.summary).toBe("Too many blocks");
    expect(d.detail).toMatch(new RegExp(`declares 10,001 ${kind.split(" ")[0]} blocks; the limit is 10,000 \\(server setting KEYFORM_PLAN_MAX_BLOCKS\\)`));
    expect(parseConfig(config(4), limits({ maxBlocks: 3 })).refused).toBe(true);
    expect(parseConfig(config(3), limits({ maxBlocks: 3 })).refused).toBeUndefined();
  });

  test("100,000 plain resource blocks are refused before any is evaluated", () => {
    const c = parseConfig(tfConfig(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, { name: `k${i}` }]))));
    expect(refusal(c).detail).toContain("100,000 resource blocks");
    expect(c.resources).toEqual([]);
  });

  test("instances: huge counts and for_each maps name the instance limit", () => {
    const counted = errors(parseConfig(tfConfig({ k: { name: "k-${count.index}", count: 10_001 } })));
    expect(counted[0]).toMatchObject({ summary: "Invalid count argument", address: A("k") });
    expect(counted[0].detail).toContain("KEYFORM_PLAN_MAX_INSTANCES");
    const map = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i]));
    const mapped = errors(parseConfig(tfConfig({ k: { name: "${each.key}", for_each: map } })));
    expect(mapped[0]).toMatchObject({ summary: "Invalid for_each argument", address: A("k") });
    expect(errors(parseConfig(tfConfig({ k: { name: "k-${count.index}", count: 6 } }), limits({ maxInstances: 5 })))[0].summary).toBe("Invalid count argument");
    expect(parseConfig(tfConfig({ k: { name: "k-${count.index}", count: 5 } }), limits({ maxInstances: 5 })).diagnostics).toEqual([]);
  });

  test("steps: values that double at every level, and one value referenced from thousands of places", () => {
    const doubling = refusal(parseConfig(tfConfig({ k: { name: "${local.l0}" } }, { locals: localChain(40, (next) => `\${${next}}\${${next}}`, "x") })));
    expect(doubling).toMatchObject({ summary: "Evaluation budget exceeded" });
    expect(doubling.detail).toContain("the limit is 1,000,000 (server setting KEYFORM_PLAN_MAX_STEPS)");
    const big = Array.from({ length: 10_000 }, (_, i) => `s${i}`);
    const outputs = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`o${i}`, { value: "${local.big}" }]));
    expect(refusal(parseConfig(tfConfig({}, { locals: { big }, output: outputs }))).summary).toBe("Evaluation budget exceeded");
    // A literal output is written into the plan several times over: paid for by its size.
    expect(refusal(parseConfig(tfConfig({}, { output: { o: { value: Array.from({ length: 1_000_001 }, () => 1) } } }))).address).toBe("output.o");
    // A megabyte name on 10,000 instances would be 10 GB of plan.
    expect(refusal(parseConfig(tfConfig({ k: { name: "x".repeat(1 << 20), count: 10_000 } }))).summary).toBe("Evaluation budget exceeded");
  });

  test("a refused configuration plans nothing: no deletes of what the stack holds, only its diagnostic", () => {
    const current = currentWith([{ address: A("a"), name: "a" }, { address: A("b"), name: "b" }]);
    const desired = parseConfig(tfConfig({ a: { name: "a", scopes: nested(100) }, b: { name: "b" } }));
    const p = plan(desired, current, NOW);
    expect(p.errored).toBe(true);
    expect(p.changes).toEqual([]);
    expect(p.terraform.resourceChanges).toEqual([]);
    expect(p.diagnostics.map((d) => d.summary)).toEqual(["Configuration nested too deeply"]);
    expect(p.hasChanges).toBe(false);
  });

  test(`at most ${MAX_DIAGNOSTICS} diagnostics are listed, the rest counted`, () => {
    const body: Json = { name: "k" };
    for (let i = 0; i < 5_000; i++) body[`unknown_${i}`] = i;
    const c = parseConfig(tfConfig({ k: body }));
    expect(c.diagnostics).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(c.diagnostics[MAX_DIAGNOSTICS]).toMatchObject({ severity: "error", summary: "Too many diagnostics" });
    expect(c.diagnostics[MAX_DIAGNOSTICS].detail).toMatch(/^4,000 more diagnostics \(4000 errors, 0 warnings\)/);
    expect(plan(c, currentWith([]), NOW).diagnostics.length).toBeLessThanOrEqual(MAX_DIAGNOSTICS + 1);
  });

  test("a 200,000-character identifier in an expression is listed in the configuration block in linear time", () => {
    const long = "a".repeat(200_000);
    const p = plan(parseConfig(tfConfig({ k: { name: `\${${long}.b}` } })), currentWith([]), NOW);
    const resources = (p.terraform.configuration as { root_module: { resources: Array<{ expressions: { name: unknown } }> } }).root_module.resources;
    expect(resources[0].expressions.name).toEqual({ constant_value: `\${${long}.b}`, references: [`${long}.b`] });
  });
});
