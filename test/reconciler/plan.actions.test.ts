import type { CurrentState, Plan, PlanOptions } from "../../server/reconciler/reconciler.types";
import { CREATED, DAY, currentWith, entry, errors, foreignKey, type Json, keyId, type KeySpec, NOW, planFor, step } from "./fixtures";

const A = (name: string) => `keyform_api_key.${name}`;

interface Case {
  name: string;
  config: Record<string, Json>;
  state?: KeySpec[];
  current?: CurrentState;
  options?: PlanOptions;
  extra?: Json;
  address: string;
  action: string; // PlannedChange.action
  actions: string[] | null; // resource_changes[].change.actions, null: no entry
  reason?: string; // action_reason (absent when undefined)
  check?: (p: Plan) => void;
}

const cases: Case[] = [
  {
    name: "create: a resource with no state",
    config: { ci: { name: "github-actions", expires_in: "90d" } },
    address: A("ci"),
    action: "create",
    actions: ["create"],
    check: (p) => {
      const e = entry(p, A("ci"));
      expect(e.change.before).toBeNull();
      expect(e.change.after).toMatchObject({ name: "github-actions", expires_in: "90d", type: "live", account: "acme" });
      expect(e.change.after_unknown).toMatchObject({ id: true, secret: true, expires_at: true });
      expect(e.change.after_sensitive).toMatchObject({ secret: true });
      expect(step(p, A("ci")).desired).toEqual({ name: "github-actions", type: "live", expires_in: "90d", expires_at: null, scopes: [], rotate_every: null, rotation_overlap: null });
      expect(p.summary).toEqual({ import: 0, add: 1, change: 0, destroy: 0, forget: 0 });
    },
  },
  {
    name: "update in place: name",
    config: { staging: { name: "staging-eu" } },
    state: [{ address: A("staging"), name: "staging" }],
    address: A("staging"),
    action: "update",
    actions: ["update"],
    check: (p) => {
      expect(step(p, A("staging")).updates).toEqual(["name"]);
      expect(step(p, A("staging")).keyId).toBe(keyId(A("staging")));
      expect(p.summary.change).toBe(1);
    },
  },
  {
    name: "update in place: scopes",
    config: { ci: { name: "ci", scopes: ["keys:read", "alerts:send"] } },
    state: [{ address: A("ci"), name: "ci", scopes: ["alerts:send"] }],
    address: A("ci"),
    action: "update",
    actions: ["update"],
    // in the configured order, as Terraform shows them (the server keeps a sorted set)
    check: (p) => expect(step(p, A("ci")).desired?.scopes).toEqual(["keys:read", "alerts:send"]),
  },
  {
    name: "update in place: expires_in differs from the stored expires_in",
    config: { ci: { name: "ci", expires_in: "30d" } },
    state: [{ address: A("ci"), name: "ci", expires_in: "90d" }],
    address: A("ci"),
    action: "update",
    actions: ["update"],
    check: (p) => {
      expect(step(p, A("ci")).updates).toEqual(["expires_in"]);
      expect(entry(p, A("ci")).change.after_unknown).toMatchObject({ expires_at: true });
    },
  },
  {
    name: "no-op: same expires_in although a recomputed date would differ",
    config: { ci: { name: "ci", expires_in: "90d" } },
    state: [{ address: A("ci"), name: "ci", expires_in: "90d", createdAt: NOW - 40 * DAY }],
    address: A("ci"),
    action: "noop",
    actions: ["no-op"],
    check: (p) => expect(p.hasChanges).toBe(false),
  },
  {
    name: "no-op: expires_at compared as an instant",
    config: { ci: { name: "ci", expires_at: "2027-03-01T00:00:00Z" } },
    state: [{ address: A("ci"), name: "ci", expires_in: null, expires_at: "2027-03-01T00:00:00.000Z" }],
    address: A("ci"),
    action: "noop",
    actions: ["no-op"],
  },
  {
    name: "replace: type change cannot be updated",
    config: { old: { name: "old", type: "temp" } },
    state: [{ address: A("old"), name: "old" }],
    address: A("old"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_because_cannot_update",
    check: (p) => {
      expect(entry(p, A("old")).change.replace_paths).toEqual([["type"]]);
      expect(step(p, A("old")).createBeforeDestroy).toBe(false);
      expect(p.summary).toMatchObject({ add: 1, destroy: 1 });
    },
  },
  {
    name: "replace: account change cannot be updated",
    config: { ci: { name: "ci", account: "beta" } },
    state: [{ address: A("ci"), name: "ci" }],
    current: currentWith([{ address: A("ci"), name: "ci" }], { accounts: { beta: {} } }),
    address: A("ci"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_because_cannot_update",
    check: (p) => {
      expect(entry(p, A("ci")).change.replace_paths).toEqual([["account"]]);
      expect(step(p, A("ci")).account).toBe("beta");
    },
  },
  {
    name: "replace: rotate_every due (key older than rotate_every)",
    config: { ci: { name: "ci", rotate_every: "7d" } },
    state: [{ address: A("ci"), name: "ci", rotate_every: "7d", createdAt: NOW - 8 * DAY }],
    address: A("ci"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_because_tainted",
    check: (p) => expect(step(p, A("ci")).reason).toBe("rotate_every_due"),
  },
  {
    name: "no-op: rotate_every not yet due",
    config: { ci: { name: "ci", rotate_every: "30d" } },
    state: [{ address: A("ci"), name: "ci", rotate_every: "30d", createdAt: NOW - 8 * DAY }],
    address: A("ci"),
    action: "noop",
    actions: ["no-op"],
  },
  {
    name: "replace: replace_triggered_by a resource that changes",
    config: {
      base: { name: "base-renamed" },
      dependent: { name: "dependent", lifecycle: { replace_triggered_by: ["${keyform_api_key.base}"] } },
    },
    state: [
      { address: A("base"), name: "base" },
      { address: A("dependent"), name: "dependent" },
    ],
    address: A("dependent"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_by_triggers",
    check: (p) => {
      expect(step(p, A("base")).action).toBe("update");
      const order = p.changes.map((c) => c.address);
      expect(order.indexOf(A("base"))).toBeLessThan(order.indexOf(A("dependent")));
    },
  },
  {
    name: "no-op: replace_triggered_by a resource that does not change",
    config: {
      base: { name: "base" },
      dependent: { name: "dependent", lifecycle: { replace_triggered_by: ["${keyform_api_key.base.name}"] } },
    },
    state: [
      { address: A("base"), name: "base" },
      { address: A("dependent"), name: "dependent" },
    ],
    address: A("dependent"),
    action: "noop",
    actions: ["no-op"],
  },
  {
    name: "replace: requested with options.replace",
    config: { ci: { name: "ci" } },
    state: [{ address: A("ci"), name: "ci" }],
    options: { replace: [A("ci")] },
    address: A("ci"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_by_request",
  },
  {
    name: "replace: create_before_destroy orders create first",
    config: { ci: { name: "ci", type: "temp", lifecycle: { create_before_destroy: true } } },
    state: [{ address: A("ci"), name: "ci" }],
    address: A("ci"),
    action: "replace",
    actions: ["create", "delete"],
    reason: "replace_because_cannot_update",
    check: (p) => expect(step(p, A("ci")).createBeforeDestroy).toBe(true),
  },
  {
    name: "delete: removed from configuration",
    config: {},
    state: [{ address: A("gone"), name: "gone" }],
    address: A("gone"),
    action: "delete",
    actions: ["delete"],
    reason: "delete_because_no_resource_config",
    check: (p) => {
      expect(entry(p, A("gone")).change.after).toBeNull();
      expect(step(p, A("gone")).keyId).toBe(keyId(A("gone")));
    },
  },
  {
    name: "delete: count shrinks",
    config: { k: { count: 1, name: "k-${count.index}" } },
    state: [
      { address: `${A("k")}[0]`, name: "k-0" },
      { address: `${A("k")}[1]`, name: "k-1" },
    ],
    address: `${A("k")}[1]`,
    action: "delete",
    actions: ["delete"],
    reason: "delete_because_count_index",
    check: (p) => expect(step(p, `${A("k")}[0]`).action).toBe("noop"),
  },
  {
    name: "delete: for_each key removed",
    config: { k: { for_each: '${toset(["a"])}', name: "k-${each.value}" } },
    state: [
      { address: `${A("k")}["a"]`, name: "k-a" },
      { address: `${A("k")}["b"]`, name: "k-b" },
    ],
    address: `${A("k")}["b"]`,
    action: "delete",
    actions: ["delete"],
    reason: "delete_because_each_key",
    check: (p) => expect(entry(p, `${A("k")}["b"]`).index).toBe("b"),
  },
  {
    name: "import: an existing unmanaged key matching the configuration",
    config: { legacy: { name: "legacy", type: "legacy" } },
    current: currentWith([], { extraLive: [foreignKey("legacy", { type: "legacy", masked: "dc74…759b" })] }),
    extra: { import: [{ id: keyId("legacy"), to: "keyform_api_key.legacy", provider: "keyform" }] },
    address: A("legacy"),
    action: "import",
    actions: ["no-op"],
    check: (p) => {
      expect(entry(p, A("legacy")).change.importing).toEqual({ id: keyId("legacy") });
      expect(step(p, A("legacy")).keyId).toBe(keyId("legacy"));
      expect(step(p, A("legacy")).updates).toEqual([]);
      expect(p.summary).toMatchObject({ import: 1, add: 0, change: 0 });
      expect(p.hasChanges).toBe(true);
    },
  },
  {
    name: "import + update when the configuration differs",
    config: { legacy: { name: "legacy-renamed" } },
    current: currentWith([], { extraLive: [foreignKey("legacy")] }),
    extra: { import: [{ id: keyId("legacy"), to: "keyform_api_key.legacy" }] },
    address: A("legacy"),
    action: "import",
    actions: ["update"],
    check: (p) => {
      expect(step(p, A("legacy")).updates).toEqual(["name"]);
      expect(p.summary).toMatchObject({ import: 1, change: 1 });
    },
  },
  {
    name: "move: moved block renames the state address",
    config: { new: { name: "ci" } },
    state: [{ address: A("old"), name: "ci" }],
    extra: { moved: [{ from: "keyform_api_key.old", to: "keyform_api_key.new" }] },
    address: A("new"),
    action: "move",
    actions: ["no-op"],
    check: (p) => {
      expect(entry(p, A("new")).previous_address).toBe(A("old"));
      expect(step(p, A("new"))).toMatchObject({ previousAddress: A("old"), keyId: keyId(A("old")) });
      expect(p.changes.some((c) => c.address === A("old"))).toBe(false);
      expect(p.hasChanges).toBe(true);
    },
  },
  {
    name: "move + update",
    config: { new: { name: "ci-2" } },
    state: [{ address: A("old"), name: "ci" }],
    extra: { moved: [{ from: "keyform_api_key.old", to: "keyform_api_key.new" }] },
    address: A("new"),
    action: "update",
    actions: ["update"],
    check: (p) => expect(step(p, A("new")).previousAddress).toBe(A("old")),
  },
  {
    name: "no-op: configuration matches",
    config: { ci: { name: "ci", scopes: ["alerts:send"] } },
    state: [{ address: A("ci"), name: "ci", scopes: ["alerts:send"] }],
    address: A("ci"),
    action: "noop",
    actions: ["no-op"],
    check: (p) => {
      expect(p.hasChanges).toBe(false);
      expect(p.summary).toEqual({ import: 0, add: 0, change: 0, destroy: 0, forget: 0 });
    },
  },
  {
    name: "forget: removed block with destroy = false",
    config: {},
    state: [{ address: A("kept"), name: "kept" }],
    extra: { removed: [{ from: "keyform_api_key.kept", lifecycle: { destroy: false } }] },
    address: A("kept"),
    action: "forget",
    actions: ["forget"],
    check: (p) => expect(p.summary.forget).toBe(1),
  },
  {
    name: "ignore_changes: a changed name is ignored",
    config: { ci: { name: "renamed", lifecycle: { ignore_changes: ["name"] } } },
    state: [{ address: A("ci"), name: "ci" }],
    address: A("ci"),
    action: "noop",
    actions: ["no-op"],
  },
  {
    name: "ignore_changes: all",
    config: { ci: { name: "renamed", type: "temp", scopes: ["x:y"], lifecycle: { ignore_changes: "all" } } },
    state: [{ address: A("ci"), name: "ci" }],
    address: A("ci"),
    action: "noop",
    actions: ["no-op"],
  },
  {
    name: "ignore_changes: other attributes still update",
    config: { ci: { name: "renamed", scopes: ["x:y"], lifecycle: { ignore_changes: ["scopes"] } } },
    state: [{ address: A("ci"), name: "ci" }],
    address: A("ci"),
    action: "update",
    actions: ["update"],
    check: (p) => expect(step(p, A("ci")).updates).toEqual(["name"]),
  },
  {
    name: "drift: key revoked outside is re-created",
    config: { ci: { name: "ci" } },
    current: currentWith([{ address: A("ci"), name: "ci" }], { tweak: { [A("ci")]: (k) => ({ ...k, status: "revoked", revokedAt: NOW - DAY }) } }),
    address: A("ci"),
    action: "create",
    actions: ["create"],
    check: (p) => {
      expect(p.terraform.resourceDrift).toHaveLength(1);
      expect(p.terraform.resourceDrift[0]).toMatchObject({ address: A("ci"), change: { actions: ["delete"], after: null } });
      expect(step(p, A("ci")).staleKeyId).toBe(keyId(A("ci")));
      expect(step(p, A("ci")).keyId).toBeUndefined();
      expect(entry(p, A("ci")).action_reason).toBeUndefined();
    },
  },
  {
    name: "drift: key deleted outside (row missing) is re-created",
    config: { ci: { name: "ci" } },
    current: currentWith([{ address: A("ci"), name: "ci" }], { tweak: { [A("ci")]: () => undefined } }),
    address: A("ci"),
    action: "create",
    actions: ["create"],
  },
  {
    name: "drift: renamed outside is shown and updated back",
    config: { ci: { name: "ci" } },
    current: currentWith([{ address: A("ci"), name: "ci" }], { tweak: { [A("ci")]: (k) => ({ ...k, name: "hacked" }) } }),
    address: A("ci"),
    action: "update",
    actions: ["update"],
    check: (p) => {
      const d = p.terraform.resourceDrift[0];
      expect(d.change.actions).toEqual(["update"]);
      expect(d.change.before).toMatchObject({ name: "ci" });
      expect(d.change.after).toMatchObject({ name: "hacked" });
      expect(entry(p, A("ci")).change.before).toMatchObject({ name: "hacked" });
      expect(step(p, A("ci")).desired?.name).toBe("ci");
    },
  },
  {
    name: "drift: regenerated outside is replaced so apply delivers a known secret",
    config: { ci: { name: "ci" } },
    current: currentWith([{ address: A("ci"), name: "ci" }], { tweak: { [A("ci")]: (k) => ({ ...k, generation: 2, masked: "kf_live_NEW1…NEW2" }) } }),
    address: A("ci"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_because_tainted",
    check: (p) => {
      expect(step(p, A("ci")).reason).toBe("regenerated_outside");
      expect(p.terraform.resourceDrift[0].change.after).toMatchObject({ masked: "kf_live_NEW1…NEW2" });
    },
  },
  {
    name: "drift: an expired live key is replaced",
    config: { ci: { name: "ci", expires_in: "30d" } },
    current: currentWith([{ address: A("ci"), name: "ci", expires_in: "30d", createdAt: NOW - 31 * DAY }]),
    address: A("ci"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_because_tainted",
    check: (p) => {
      expect(step(p, A("ci")).reason).toBe("expired");
      expect(p.terraform.resourceDrift[0].change.after).toMatchObject({ status: "expired" });
    },
  },
  {
    name: "drift: an expired temp key is drift only",
    config: { t: { name: "t", type: "temp" } },
    current: currentWith([{ address: A("t"), name: "t", type: "temp", createdAt: NOW - DAY }]),
    address: A("t"),
    action: "noop",
    actions: ["no-op"],
    check: (p) => {
      expect(p.terraform.resourceDrift).toHaveLength(1);
      expect(p.terraform.resourceDrift[0].change.after).toMatchObject({ status: "expired" });
    },
  },
  {
    name: "drift: an exhausted temp key is replaced on request",
    config: { t: { name: "t", type: "temp" } },
    current: currentWith([{ address: A("t"), name: "t", type: "temp", createdAt: NOW - 60_000 }], { tweak: { [A("t")]: (k) => ({ ...k, status: "exhausted" }) } }),
    options: { replace: [A("t")] },
    address: A("t"),
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_by_request",
  },
  {
    name: "refresh = false: drift outside is not seen",
    config: { ci: { name: "ci" } },
    current: currentWith([{ address: A("ci"), name: "ci" }], { tweak: { [A("ci")]: (k) => ({ ...k, name: "hacked" }) } }),
    options: { refresh: false },
    address: A("ci"),
    action: "noop",
    actions: ["no-op"],
    check: (p) => expect(p.terraform.resourceDrift).toEqual([]),
  },
  {
    name: "destroy: every managed key is deleted",
    config: { ci: { name: "ci" }, other: { name: "other" } },
    state: [
      { address: A("ci"), name: "ci" },
      { address: A("other"), name: "other", dependencies: [A("ci")] },
    ],
    options: { destroy: true },
    address: A("ci"),
    action: "delete",
    actions: ["delete"],
    check: (p) => {
      expect(p.changes.map((c) => [c.address, c.action])).toEqual([
        [A("other"), "delete"],
        [A("ci"), "delete"],
      ]);
      expect(entry(p, A("ci")).action_reason).toBeUndefined();
      expect(p.summary.destroy).toBe(2);
    },
  },
  {
    name: "target: only the targeted address and its dependencies",
    config: { a: { name: "a" }, b: { name: "b", depends_on: ["keyform_api_key.a"] }, c: { name: "c" } },
    options: { target: [A("b")] },
    address: A("b"),
    action: "create",
    actions: ["create"],
    check: (p) => {
      expect(p.changes.map((c) => c.address)).toEqual([A("a"), A("b")]);
      expect(p.terraform.resourceChanges.map((e) => e.address)).toEqual([A("a"), A("b")]);
      expect(step(p, A("b")).dependencies).toEqual([A("a")]);
      expect(p.diagnostics.some((d) => d.summary === "Resource targeting is in effect")).toBe(true);
    },
  },
];

describe("plan(): actions and action reasons", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const current = c.current ?? currentWith(c.state ?? []);
    const p = planFor(c.config, current, c.options, c.extra);
    expect(errors(p)).toEqual([]);
    expect(step(p, c.address).action).toBe(c.action);
    if (c.actions === null) {
      expect(p.terraform.resourceChanges.find((e) => e.address === c.address)).toBeUndefined();
    } else {
      const e = entry(p, c.address);
      expect(e.change.actions).toEqual(c.actions);
      expect(e.action_reason).toBe(c.reason);
    }
    c.check?.(p);
  });

  test("every Terraform action_reason is produced by some case", () => {
    const seen = new Set<string>();
    for (const c of cases) {
      const p = planFor(c.config, c.current ?? currentWith(c.state ?? []), c.options, c.extra);
      for (const e of p.terraform.resourceChanges) if (e.action_reason) seen.add(e.action_reason);
    }
    expect([...seen].sort()).toEqual([
      "delete_because_count_index",
      "delete_because_each_key",
      "delete_because_no_resource_config",
      "replace_because_cannot_update",
      "replace_because_tainted",
      "replace_by_request",
      "replace_by_triggers",
    ]);
  });
});

describe("plan(): lifecycle", () => {
  test("prevent_destroy refuses a replacement with Terraform's error", () => {
    const p = planFor({ ci: { name: "ci", type: "temp", lifecycle: { prevent_destroy: true } } }, currentWith([{ address: A("ci"), name: "ci" }]));
    expect(p.errored).toBe(true);
    const e = errors(p).find((d) => d.summary === "Instance cannot be destroyed");
    expect(e?.address).toBe(A("ci"));
    expect(e?.detail).toContain("Resource keyform_api_key.ci has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed.");
  });

  test("prevent_destroy refuses a destroy plan but allows in-place updates", () => {
    const current = currentWith([{ address: A("ci"), name: "ci" }]);
    const config = { ci: { name: "ci-2", lifecycle: { prevent_destroy: true } } };
    expect(errors(planFor(config, current, { destroy: true })).map((d) => d.summary)).toEqual(["Instance cannot be destroyed"]);
    expect(planFor(config, current).errored).toBe(false);
  });

  test("create_before_destroy replacement runs after plain deletes, destroy-first ones free their slot first", () => {
    const current = currentWith([
      { address: A("a"), name: "a" },
      { address: A("z"), name: "z" },
    ]);
    const p = planFor({ a: { name: "a", type: "temp", lifecycle: { create_before_destroy: true } } }, current);
    expect(p.changes.map((c) => [c.address, c.action, c.createBeforeDestroy ?? null])).toEqual([
      [A("z"), "delete", null],
      [A("a"), "replace", true],
    ]);
  });

  test("changes follow dependencies, not addresses", () => {
    const p = planFor({ a: { name: "a", depends_on: ["keyform_api_key.b"] }, b: { name: "b" } }, currentWith([]));
    expect(p.changes.map((c) => c.address)).toEqual([A("b"), A("a")]);
    expect(step(p, A("a")).dependencies).toEqual([A("b")]);
  });

  test("an argument referring to another resource's configured value resolves and adds a dependency", () => {
    const p = planFor({ a: { name: "${keyform_api_key.b.name}-ro", scopes: "${keyform_api_key.b.scopes}" }, b: { name: "base", scopes: ["keys:read"] } }, currentWith([]));
    expect(step(p, A("a")).desired).toMatchObject({ name: "base-ro", scopes: ["keys:read"] });
    expect(step(p, A("a")).dependencies).toEqual([A("b")]);
  });
});

describe("plan(): import refusals", () => {
  const importOf = (id: string) => ({ import: [{ id, to: "keyform_api_key.legacy" }] });
  const refusal = (current: CurrentState, id = keyId("legacy"), config: Json = { name: "legacy" }) => {
    const p = planFor({ legacy: config }, current, {}, importOf(id));
    expect(p.errored).toBe(true);
    return errors(p).filter((d) => d.address === A("legacy"));
  };

  test("the key does not exist", () => {
    expect(refusal(currentWith([]))[0].summary).toBe("Cannot import non-existent remote object");
  });

  test("the key is not active", () => {
    const current = currentWith([], { extraLive: [foreignKey("legacy", { status: "revoked", revokedAt: CREATED + DAY })] });
    expect(refusal(current)[0].summary).toBe("Cannot import an inactive key");
  });

  test("the key belongs to another account: reported as non-existent", () => {
    const current = currentWith([], { accounts: { other: {} }, extraLive: [foreignKey("legacy", { account: "other" })] });
    expect(refusal(current)[0].summary).toBe("Cannot import non-existent remote object");
  });

  test("the key is owned by another stack", () => {
    const current = currentWith([], { extraLive: [foreignKey("legacy", { stack: "payments", stackAddress: "keyform_api_key.x" })] });
    const [e] = refusal(current);
    expect(e.summary).toBe("Key is managed by another stack");
    // Which stack manages it is that stack's owner's business.
    expect(e.detail).not.toContain("payments");
  });

  test("the id is not a key id (e.g. a secret)", () => {
    expect(refusal(currentWith([]), "dc746828-6bab-43d7-b01d-cc74eeb9759b")[0].summary).toBe("Invalid import id");
  });

  test("the target address already holds another key", () => {
    const current = currentWith([{ address: A("legacy"), name: "legacy" }], { extraLive: [foreignKey("other")] });
    expect(refusal(current, keyId("other"))[0].summary).toBe("Resource already managed by Terraform");
  });

  test("the import target has no configuration", () => {
    const p = planFor({}, currentWith([], { extraLive: [foreignKey("legacy")] }), {}, importOf(keyId("legacy")));
    expect(errors(p)[0].summary).toBe("Configuration for import target does not exist");
  });
});

describe("plan(): implicit moves and drift-only plans", () => {
  test("adding count keeps the existing key as instance [0]", () => {
    const p = planFor({ k: { count: 2, name: "k-${count.index}" } }, currentWith([{ address: A("k"), name: "k-0" }]));
    expect(step(p, `${A("k")}[0]`)).toMatchObject({ action: "move", previousAddress: A("k"), keyId: keyId(A("k")) });
    expect(step(p, `${A("k")}[1]`).action).toBe("create");
    expect(p.changes.some((c) => c.address === A("k"))).toBe(false);
  });

  test("removing count keeps instance [0] as the single resource", () => {
    const p = planFor({ k: { name: "k-0" } }, currentWith([{ address: `${A("k")}[0]`, name: "k-0" }]));
    expect(step(p, A("k"))).toMatchObject({ action: "move", previousAddress: `${A("k")}[0]` });
  });

  test("a key revoked outside and no longer configured is only dropped from state", () => {
    const current = currentWith([{ address: A("old"), name: "old" }], { tweak: { [A("old")]: (k) => ({ ...k, status: "revoked", revokedAt: NOW - DAY }) } });
    const p = planFor({}, current);
    expect(p.changes).toEqual([expect.objectContaining({ address: A("old"), action: "forget", staleKeyId: keyId(A("old")), reason: "deleted_outside" })]);
    expect(p.terraform.resourceChanges).toEqual([]);
    expect(p.terraform.resourceDrift.map((d) => d.change.actions)).toEqual([["delete"]]);
    expect(p.summary).toEqual({ import: 0, add: 0, change: 0, destroy: 0, forget: 0 });
  });
});

describe("plan(): outputs", () => {
  const outputs = { output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, ci_name: { value: "${keyform_api_key.ci.name}" } } };
  const stored = { ci_key: { sensitive: true, value: null }, ci_name: { sensitive: false, value: "ci" }, old: { sensitive: false, value: "x" } };

  test("unchanged key: its secret output is a no-op and withheld, a removed output is deleted", () => {
    const p = planFor({ ci: { name: "ci" } }, currentWith([{ address: A("ci"), name: "ci" }], { outputs: stored }), {}, outputs);
    expect(p.terraform.outputChanges.ci_key).toEqual({ actions: ["no-op"], before: null, after: null, after_unknown: false, before_sensitive: true, after_sensitive: true });
    expect(p.terraform.outputChanges.ci_name.actions).toEqual(["no-op"]);
    expect(p.terraform.outputChanges.old).toMatchObject({ actions: ["delete"], before: "x", after: null });
    expect(p.outputs).toEqual([
      { name: "ci_key", sensitive: true, expression: { kind: "ref", ref: { address: A("ci"), attribute: "secret" } }, known: false },
      { name: "ci_name", sensitive: false, expression: { kind: "ref", ref: { address: A("ci"), attribute: "name" } }, known: true, value: "ci" },
    ]);
  });

  test("replaced key: the secret output changes to unknown; a renamed key updates its name output", () => {
    const replaced = planFor({ ci: { name: "ci" } }, currentWith([{ address: A("ci"), name: "ci" }], { outputs: stored }), { replace: [A("ci")] }, outputs);
    expect(replaced.terraform.outputChanges.ci_key).toMatchObject({ actions: ["update"], after_unknown: true });
    const renamed = planFor({ ci: { name: "ci-2" } }, currentWith([{ address: A("ci"), name: "ci" }], { outputs: stored }), {}, outputs);
    expect(renamed.terraform.outputChanges.ci_name).toMatchObject({ actions: ["update"], before: "ci", after: "ci-2" });
    expect(renamed.terraform.outputChanges.ci_key.actions).toEqual(["no-op"]);
  });

  test("a dependency cycle is an error", () => {
    const p = planFor({ a: { name: "a", depends_on: ["keyform_api_key.b"] }, b: { name: "b", depends_on: ["keyform_api_key.a"] } }, currentWith([]));
    expect(errors(p).map((d) => d.summary)).toEqual(["Cycle"]);
  });
});
