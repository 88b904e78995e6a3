import { parseConfig } from "../../server/reconciler/tf-config.parser";
import { plan } from "../../server/reconciler/plan";
import { renderPlanJson } from "../../server/reconciler/render/plan-json";
import { renderPlanText } from "../../server/reconciler/render/plan-text";
import type { CurrentState } from "../../server/reconciler/reconciler.types";
import { currentWith, DAY, foreignKey, keyId, NOW, tfConfig } from "./fixtures";

/** A plan touching every code path: creates, updates, replace, delete, drift, import, move, data, outputs. */
function scenario(): { config: Record<string, unknown>; current: CurrentState } {
  const config = tfConfig(
    {
      ci: { name: "github-actions", expires_in: "90d", scopes: ["keys:read", "alerts:send"], depends_on: ["keyform_api_key.base"] },
      base: { name: "base-renamed", scopes: ["alerts:send"] },
      rotated: { name: "rotated", rotate_every: "7d", lifecycle: { create_before_destroy: true } },
      k: { for_each: '${toset(["b","a","c"])}', name: "k-${each.value}" },
      n: { count: 3, name: "n-${count.index}", scopes: ["${count.index}:read"] },
      imported: { name: "legacy" },
      moved_to: { name: "moved" },
      drifted: { name: "drifted" },
      steady: { name: "steady", expires_in: "1y" },
    },
    {
      import: [{ id: keyId("legacy"), to: "keyform_api_key.imported" }],
      moved: [{ from: "keyform_api_key.moved_from", to: "keyform_api_key.moved_to" }],
      data: { keyform_api_key: { lookup: { name: "base" } } },
      output: {
        ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true },
        base_id: { value: "${data.keyform_api_key.lookup.id}" },
        names: { value: "${keyform_api_key.k[\"a\"].name}/${keyform_api_key.n[2].name}" },
      },
    },
  );
  const current = currentWith(
    [
      { address: "keyform_api_key.base", name: "base", scopes: ["alerts:send"] },
      { address: "keyform_api_key.rotated", name: "rotated", rotate_every: "7d", createdAt: NOW - 9 * DAY },
      { address: "keyform_api_key.moved_from", name: "moved" },
      { address: "keyform_api_key.drifted", name: "drifted" },
      { address: 'keyform_api_key.k["z"]', name: "k-z" },
      { address: "keyform_api_key.gone", name: "gone" },
      { address: "keyform_api_key.steady", name: "steady", expires_in: "1y" },
    ],
    {
      tweak: { "keyform_api_key.drifted": (k) => ({ ...k, name: "renamed-outside", scopes: ["b:b", "a:a"] }) },
      extraLive: [foreignKey("legacy")],
      outputs: { base_id: { sensitive: false, value: "old" }, removed: { sensitive: false, value: 1 } },
      accounts: { acme: { keyLimit: 100 } },
    },
  );
  return { config, current };
}

/** Deterministic deep shuffle of object key order (and, optionally, of orderless arrays: state resources, scopes). */
function shuffled<T>(value: T, seed: number, arrays = false): T {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const shuffle = <X>(xs: X[]): X[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  const walk = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) {
      const items = v.map((x) => walk(x, ""));
      return arrays && (key === "resources" || key === "scopes") ? shuffle(items) : items;
    }
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const k of shuffle(Object.keys(v))) out[k] = walk((v as Record<string, unknown>)[k], k);
      return out;
    }
    return v;
  };
  return walk(value, "") as T;
}

describe("plan(): determinism", () => {
  const run = (config: unknown, current: CurrentState) => {
    const p = plan(parseConfig(config), current, NOW, { replace: [] });
    return { plan: JSON.stringify(p), json: JSON.stringify(renderPlanJson(p)), text: renderPlanText(p) };
  };

  test("the scenario plans without errors and touches every kind of change", () => {
    const { config, current } = scenario();
    const p = plan(parseConfig(config), current, NOW);
    expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(new Set(p.changes.map((c) => c.action))).toEqual(new Set(["create", "update", "replace", "delete", "import", "move", "noop"]));
    expect(p.terraform.resourceDrift.map((d) => d.address)).toEqual(["keyform_api_key.drifted"]);
  });

  test("same input twice gives byte-identical plans and renderings", () => {
    const a = scenario();
    const b = scenario();
    expect(run(a.config, a.current)).toEqual(run(b.config, b.current));
  });

  test.each([1, 2, 3, 42])("shuffled key order (seed %i) gives the same bytes", (seed) => {
    const { config, current } = scenario();
    const base = run(config, current);
    const other = run(shuffled(config, seed), shuffled(current, seed, true));
    expect(other.plan).toBe(base.plan);
    expect(other.json).toBe(base.json);
    expect(other.text).toBe(base.text);
  });

  test("plan() does not mutate its inputs", () => {
    const { config, current } = scenario();
    const desired = parseConfig(config);
    const before = JSON.stringify([desired, current]);
    plan(desired, current, NOW, { target: ["keyform_api_key.ci"], replace: ["keyform_api_key.base"] });
    expect(JSON.stringify([desired, current])).toBe(before);
  });
});
