import { jsonChunks } from "../../server/json/json-chunks";
import { renderPlanJson } from "../../server/reconciler/render/plan-json";
import { renderPlanText } from "../../server/reconciler/render/plan-text";
import { fromPlanJson, type TerraformPlanDoc } from "../../server/stacks/plan.repository";
import { currentWith, DAY, foreignKey, keyId, NOW, planFor } from "../reconciler/fixtures";

/** A plan touching creates, updates, drift, deletes, an import and outputs; masked keys carry a "…". */
function mixedPlan() {
  return planFor(
    {
      ci: { name: "github-actions", expires_in: "90d", scopes: ["keys:read", "alerts:send"] },
      staging: { name: "staging-eu" },
      drifted: { name: "drifted" },
      imported: { name: "legacy" },
      n: { count: 3, name: "n-${count.index}" },
    },
    currentWith(
      [
        { address: "keyform_api_key.staging", name: "staging" },
        { address: "keyform_api_key.old", name: "old", createdAt: NOW - 3 * DAY },
        { address: "keyform_api_key.drifted", name: "drifted" },
      ],
      { tweak: { "keyform_api_key.drifted": (k) => ({ ...k, name: "renamed-outside" }) }, extraLive: [foreignKey("legacy")], accounts: { acme: { keyLimit: 100 } } },
    ),
    {},
    {
      import: [{ id: keyId("legacy"), to: "keyform_api_key.imported" }],
      output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, staging_name: { value: "${keyform_api_key.staging.name}" } },
    },
  );
}

describe("jsonChunks", () => {
  test.each([1, 64, 1 << 20])("the Terraform JSON plan in chunks of %i characters joins to JSON.stringify's text", (size) => {
    const p = mixedPlan();
    const expected = JSON.stringify(renderPlanJson(p));
    expect(expected).toContain("…");
    const chunks = [...jsonChunks(renderPlanJson(p), size)];
    expect(chunks.join("")).toBe(expected);
    if (size < expected.length) expect(chunks.length).toBeGreaterThan(1);
  });

  test("the stored plan (without its Terraform pieces) joins to JSON.stringify's text", () => {
    const p = mixedPlan();
    const stored = { ...p, terraform: undefined };
    expect([...jsonChunks(stored, 32)].join("")).toBe(JSON.stringify(stored));
  });

  test("JSON.stringify's rules: skipped members, null array holes, toJSON, null-prototype objects, escaped keys", () => {
    const bare = Object.assign(Object.create(null) as object, { z: 1, a: [] });
    const value = {
      u: undefined, f: () => 1, s: Symbol("x"), n: null, nan: NaN, inf: -Infinity,
      list: [undefined, () => 1, Symbol("y"), 1, "two", [], {}, [[]]],
      at: new Date(NOW), bare, "quo\"te\n…": { "": "" }, 2: "numeric keys first", deep: { a: { b: { c: [{ d: "é" }] } } },
      boxed: [new String("s"), new Number(1), new Boolean(false)],
    };
    for (const size of [1, 5, 1000]) expect([...jsonChunks(value, size)].join("")).toBe(JSON.stringify(value));
    for (const scalar of [null, 0, "x", true, [], {}]) expect([...jsonChunks(scalar)].join("")).toBe(JSON.stringify(scalar));
  });
});

test("a plan read back from its stored JSON document renders the same JSON plan and the same text", () => {
  const p = mixedPlan();
  const doc = JSON.parse(JSON.stringify(renderPlanJson(p))) as TerraformPlanDoc;
  const back = { ...p, terraform: fromPlanJson(doc) };
  expect(renderPlanJson(back)).toEqual(renderPlanJson(p));
  expect(renderPlanText(back)).toBe(renderPlanText(p));
  expect(renderPlanText(p)).toContain("keyform_api_key.drifted has changed");
});
