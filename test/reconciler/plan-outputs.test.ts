import { appliedOutputs, evaluateOutput } from "../../server/reconciler/plan-outputs";
import type { AttributeRef, PlannedOutput, StateResource } from "../../server/reconciler/reconciler.types";

// keyform's one output evaluator, as the plan (planOutputs) and the apply (appliedOutputs) use it.

const ref = (address: string, attribute: string | null): AttributeRef => ({ address, attribute });
const ci = "keyform_api_key.ci";

const resource: StateResource = {
  address: ci,
  keyId: "key_000000000000000000000001",
  account: "acme",
  attributes: {
    name: "ci", type: "live", expires_in: null, expires_at: null, scopes: [], rotate_every: null,
    created_at: "2026-01-01T00:00:00.000Z", masked: "kf_live_…0001",
  },
  generation: 1,
  dependencies: [],
};

const unknown = (name: string, expression: PlannedOutput["expression"], sensitive = false): PlannedOutput => ({ name, sensitive, expression, known: false });

describe("evaluateOutput", () => {
  it("a literal is known; a reference is its value; a template is known only when every reference is", () => {
    const values: Record<string, { known: boolean; value?: unknown }> = { "a.x": { known: true, value: "A" }, "b.x": { known: false } };
    const valueOf = (r: AttributeRef) => values[`${r.address}.${r.attribute}`];
    expect(evaluateOutput({ kind: "literal", value: 3 }, valueOf)).toEqual({ known: true, value: 3 });
    expect(evaluateOutput({ kind: "ref", ref: ref("a", "x") }, valueOf)).toEqual({ known: true, value: "A" });
    expect(evaluateOutput({ kind: "template", parts: ["<", ref("a", "x"), ">"] }, valueOf)).toEqual({ known: true, value: "<A>" });
    expect(evaluateOutput({ kind: "template", parts: [ref("a", "x"), ref("b", "x")] }, valueOf).known).toBe(false);
  });

  it("reads every reference of a template, even after an unknown one", () => {
    const seen: string[] = [];
    evaluateOutput({ kind: "template", parts: [ref("b", "x"), "-", ref("a", "x")] }, (r) => (seen.push(r.address), { known: r.address === "a" }));
    expect(seen).toEqual(["b", "a"]);
  });
});

describe("appliedOutputs", () => {
  it("resolves what was unknown at plan time from the applied state and this apply's secrets", () => {
    const outputs = appliedOutputs(
      [
        unknown("id", { kind: "ref", ref: ref(ci, "id") }),
        unknown("secret", { kind: "ref", ref: ref(ci, "secret") }, true),
        unknown("line", { kind: "template", parts: [ref(ci, "account"), "/", ref(ci, "name"), "=", ref(ci, "id")] }),
        { name: "known", sensitive: false, expression: { kind: "literal", value: "v" }, known: true, value: "v" },
      ],
      [resource],
      new Map([[ci, "kf_live_secret"]]),
    );
    expect(outputs).toEqual([
      { name: "id", sensitive: false, value: resource.keyId, available: true },
      { name: "secret", sensitive: true, value: "kf_live_secret", available: true },
      { name: "line", sensitive: false, value: `acme/ci=${resource.keyId}`, available: true },
      { name: "known", sensitive: false, value: "v", available: true },
    ]);
  });

  it("is unavailable where a secret was not made by this apply or a resource is gone, and has no value then", () => {
    const outputs = appliedOutputs(
      [
        unknown("secret", { kind: "ref", ref: ref(ci, "secret") }, true),
        unknown("line", { kind: "template", parts: ["id=", ref(ci, "id"), " secret=", ref(ci, "secret")] }),
        unknown("gone", { kind: "ref", ref: ref("keyform_api_key.gone", "id") }),
      ],
      [resource],
      new Map(),
    );
    expect(outputs).toEqual([
      { name: "secret", sensitive: true, available: false },
      { name: "line", sensitive: false, available: false },
      { name: "gone", sensitive: false, available: false },
    ]);
    for (const o of outputs) expect("value" in o).toBe(false);
  });

  it("renders a known null in a template as the plan does: empty", () => {
    const [o] = appliedOutputs([unknown("t", { kind: "template", parts: [ref(ci, "id"), ":", ref(ci, "expires_at")] })], [resource], new Map());
    expect(o).toEqual({ name: "t", sensitive: false, value: `${resource.keyId}:`, available: true });
  });
});
