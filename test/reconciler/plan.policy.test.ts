import { renderPlanJson } from "../../server/reconciler/render/plan-json";
import type { CurrentState, Plan } from "../../server/reconciler/reconciler.types";
import { currentWith, DAY, errors, foreignKey, type Json, NOW, planFor, step } from "./fixtures";

const A = (name: string) => `keyform_api_key.${name}`;

/** Plans and returns the one error naming `address` (failing if there is not exactly one). */
function policyError(config: Record<string, Json>, current: CurrentState, address: string, extra: Json = {}) {
  const p = planFor(config, current, {}, extra);
  expect(p.errored).toBe(true);
  const found = errors(p).filter((d) => d.address === address);
  expect(found).toHaveLength(1);
  return { plan: p, error: found[0] };
}

function ok(p: Plan): Plan {
  expect(errors(p)).toEqual([]);
  return p;
}

describe("plan(): policy diagnostics", () => {
  test("account key_limit exceeded names the address and the count", () => {
    const current = currentWith([], { accounts: { acme: { keyLimit: 2, activeKeys: 2 } } });
    const { plan, error } = policyError({ ci: { name: "ci" } }, current, A("ci"));
    expect(error).toMatchObject({ summary: "Key limit reached", code: "KEY_LIMIT_REACHED" });
    expect(error.detail).toContain("account acme has 2 of 2 keys");
    expect(error.address).toBe(A("ci")); // the same words as REST; the diagnostic names the resource
    expect(renderPlanJson(plan).applyable).toBe(false);
  });

  test("a delete in the same plan makes room (deletes run first)", () => {
    const current = currentWith([{ address: A("old"), name: "old" }], { accounts: { acme: { keyLimit: 1 } } });
    const p = ok(planFor({ ci: { name: "ci" } }, current));
    expect(p.changes.map((c) => c.action)).toEqual(["delete", "create"]);
  });

  test("a destroy-first replacement at the limit fits; create_before_destroy needs one extra slot", () => {
    const current = currentWith([{ address: A("ci"), name: "ci" }], { accounts: { acme: { keyLimit: 1 } } });
    ok(planFor({ ci: { name: "ci" } }, current, { replace: [A("ci")] }));
    const p = planFor({ ci: { name: "ci", lifecycle: { create_before_destroy: true } } }, current, { replace: [A("ci")] });
    expect(errors(p).map((d) => [d.summary, d.address])).toEqual([["Key limit reached", A("ci")]]);
    expect(errors(p)[0].detail).toContain("create_before_destroy");
  });

  test("temp keys count against their own cap, not key_limit", () => {
    const full = currentWith([], { accounts: { acme: { keyLimit: 1, activeKeys: 1, activeTempKeys: 5 } } });
    const { error } = policyError({ t: { name: "t", type: "temp" } }, full, A("t"));
    expect(error.detail).toContain("account acme has 5 of 5 temp keys");
    const roomy = currentWith([], { accounts: { acme: { keyLimit: 1, activeKeys: 1, activeTempKeys: 4 } } });
    ok(planFor({ t: { name: "t", type: "temp" } }, roomy));
  });

  test("every create past the limit is reported", () => {
    const current = currentWith([], { accounts: { acme: { keyLimit: 1 } } });
    const p = planFor({ a: { name: "a" }, b: { name: "b" }, c: { name: "c" } }, current);
    expect(errors(p).map((d) => d.address)).toEqual([A("b"), A("c")]);
  });

  test("a name held by another active key of the account is taken", () => {
    const current = currentWith([], { extraLive: [foreignKey("ci")] });
    const { error } = policyError({ ci: { name: "ci" } }, current, A("ci"));
    expect(error).toMatchObject({ summary: "Name taken", code: "NAME_TAKEN" });
  });

  test("a name freed by a key this plan deletes or renames can be reused", () => {
    const current = currentWith([
      { address: A("old"), name: "shared" },
      { address: A("b"), name: "b-name" },
    ]);
    const p = ok(planFor({ fresh: { name: "shared" }, b: { name: "b-renamed" }, a: { name: "b-name" } }, current));
    expect(step(p, A("fresh")).action).toBe("create");
    expect(step(p, A("a")).action).toBe("create");
    // The rename that frees "b-name" is applied before the create that takes it.
    const order = p.changes.map((c) => c.address);
    expect(order.indexOf(A("b"))).toBeLessThan(order.indexOf(A("a")));
    expect(order.indexOf(A("old"))).toBeLessThan(order.indexOf(A("fresh")));
  });

  test("two resources of the config cannot share a name", () => {
    const p = planFor({ a: { name: "same" }, b: { name: "same" } }, currentWith([]));
    expect(errors(p).map((d) => [d.summary, d.address])).toEqual([["Name taken", A("b")]]);
  });

  test("invalid name pattern", () => {
    const { error } = policyError({ ci: { name: "has spaces!" } }, currentWith([]), A("ci"));
    expect(error.summary).toBe("Invalid key name");
  });

  test("expiry over the account's max_expiry", () => {
    const current = currentWith([], { accounts: { acme: { maxExpiry: "90d" } } });
    const { error } = policyError({ ci: { name: "ci", expires_in: "1y" } }, current, A("ci"));
    expect(error).toMatchObject({ summary: "Expiry exceeds policy", code: "EXPIRY_EXCEEDS_POLICY" });
    expect(policyError({ ci: { name: "ci", expires_in: "never" } }, current, A("ci")).error.code).toBe("EXPIRY_EXCEEDS_POLICY");
    const far = new Date(NOW + 200 * DAY).toISOString();
    expect(policyError({ ci: { name: "ci", expires_at: far } }, current, A("ci")).error.code).toBe("EXPIRY_EXCEEDS_POLICY");
  });

  test("without expiry arguments a key gets the account's max_expiry", () => {
    const current = currentWith([], { accounts: { acme: { maxExpiry: "90d" } } });
    expect(step(ok(planFor({ ci: { name: "ci" } }, current)), A("ci")).desired?.expires_in).toBe("90d");
  });

  test("expires_at must be in the future; expires_in must be a known choice; not both", () => {
    expect(policyError({ ci: { name: "ci", expires_at: "2020-01-01T00:00:00Z" } }, currentWith([]), A("ci")).error.summary).toBe("Invalid expires_at");
    expect(policyError({ ci: { name: "ci", expires_in: "45d" } }, currentWith([]), A("ci")).error.summary).toBe("Invalid expires_in");
    expect(policyError({ ci: { name: "ci", expires_in: "30d", expires_at: "2027-01-01T00:00:00Z" } }, currentWith([]), A("ci")).error.summary).toBe("Conflicting expiry");
  });

  test("temp keys take no expiry arguments", () => {
    expect(policyError({ t: { name: "t", type: "temp", expires_in: "30d" } }, currentWith([]), A("t")).error.summary).toBe("Temp keys take no expiry");
  });

  test("planning judges no grant: any scope can be planned, and the plan states what its applier needs", () => {
    const plan = ok(planFor({ ci: { name: "ci", scopes: ["billing:write", "alerts:send"], expires_in: "90d" } }, currentWith([])));
    expect(plan.applier).toEqual({
      accounts: ["acme"],
      scopes: ["alerts:send", "billing:write"],
      lifetime: { expires_at_or_later: null, lives_at_least: "90d" },
      creates_keys: true,
    });
  });

  test("the applier must outlive every key it touches: a never-expiring key needs a never-expiring applier", () => {
    const plan = ok(planFor({ ci: { name: "ci", scopes: ["keys:read"], expires_in: "never" } }, currentWith([])));
    expect(plan.applier.lifetime).toEqual({ never: true });
    const current = currentWith([{ address: "keyform_api_key.old", name: "old", scopes: ["ops:page"] }]);
    const deleting = ok(planFor({}, current));
    expect(deleting.applier).toMatchObject({ accounts: ["acme"], scopes: ["ops:page"], creates_keys: false });
  });

  test("unknown account", () => {
    const current = currentWith([], { accounts: { ghost: undefined } });
    const { error } = policyError({ ci: { name: "ci", account: "ghost" } }, current, A("ci"));
    expect(error.summary).toBe("Unknown account");
  });

  test("type legacy cannot be created, only imported", () => {
    const { error } = policyError({ old: { name: "old", type: "legacy" } }, currentWith([]), A("old"));
    expect(error).toMatchObject({ summary: "Legacy keys cannot be created", code: "LEGACY_KEYS_CANNOT_BE_CREATED" });
  });

  test("keys left untouched are not judged by a policy tightened later", () => {
    const current = currentWith([{ address: A("ci"), name: "ci", expires_in: "never" }], { accounts: { acme: { maxExpiry: "90d", keyLimit: 1, activeKeys: 5 } } });
    ok(planFor({ ci: { name: "ci" } }, current));
  });

  test("a non-sensitive output of a secret is refused", () => {
    const p = planFor({ ci: { name: "ci" } }, currentWith([]), {}, { output: { leak: { value: "${keyform_api_key.ci.secret}" } } });
    expect(errors(p).map((d) => [d.summary, d.address])).toEqual([["Output refers to sensitive values", "output.leak"]]);
  });
});
