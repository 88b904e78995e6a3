import { renderPlanJson } from "../../server/reconciler/render/plan-json";
import { diffFormat, renderPlanMarkdown } from "../../server/reconciler/render/plan-markdown";
import { renderPlanText } from "../../server/reconciler/render/plan-text";
import { currentWith, DAY, foreignKey, keyId, NOW, planFor } from "./fixtures";

const HEADER = [
  "Terraform used the selected providers to generate the following execution plan. Resource actions are",
  "indicated with the following symbols:",
];

const lines = (...ls: string[]) => ls.join("\n") + "\n";

describe("renderPlanJson", () => {
  const p = planFor(
    { ci: { name: "github-actions", expires_in: "90d" }, staging: { name: "staging-eu" } },
    currentWith([{ address: "keyform_api_key.staging", name: "staging" }, { address: "keyform_api_key.old", name: "old" }]),
    {},
    { output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, staging_name: { value: "${keyform_api_key.staging.name}" } } },
  );
  const doc = renderPlanJson(p);

  test("top-level keys of format 1.2", () => {
    expect(Object.keys(doc)).toEqual([
      "format_version",
      "terraform_version",
      "planned_values",
      // resource_drift is left out when empty, as Terraform does
      "resource_changes",
      "output_changes",
      "prior_state",
      "configuration",
      "relevant_attributes",
      "timestamp",
      "applyable",
      "complete",
      "errored",
    ]);
    expect(doc).toMatchObject({ format_version: "1.2", terraform_version: "1.11.0", timestamp: "2026-11-23T12:00:00Z", applyable: true, complete: true, errored: false });
    expect((doc.prior_state as Record<string, unknown>).format_version).toBe("1.0");
  });

  test("resource_changes entries have Terraform's shape", () => {
    const changes = doc.resource_changes as Array<Record<string, unknown>>;
    expect(changes.map((c) => c.address)).toEqual(["keyform_api_key.ci", "keyform_api_key.old", "keyform_api_key.staging"]);
    const create = changes[0];
    expect(Object.keys(create)).toEqual(["address", "mode", "type", "name", "provider_name", "change"]);
    expect(create).toMatchObject({ mode: "managed", type: "keyform_api_key", name: "ci", provider_name: "registry.terraform.io/keyform/keyform" });
    expect(Object.keys(create.change as object)).toEqual(["actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive"]);
    expect(create.change).toMatchObject({ actions: ["create"], before: null, before_sensitive: false, after_unknown: { id: true, secret: true }, after_sensitive: { secret: true } });
    expect(changes[1]).toMatchObject({ action_reason: "delete_because_no_resource_config", change: { actions: ["delete"], after: null, after_unknown: {} } });
  });

  test("sensitive and unknown shapes follow each resource's own scopes and unknown attributes", () => {
    const q = planFor(
      {
        none: { name: "none", expires_in: "never" },
        one: { name: "one", scopes: ["alerts:send"], expires_in: "90d" },
        three: { name: "three", scopes: ["a:x", "b:y", "c:z"], expires_in: "never" },
      },
      currentWith([]),
    );
    const byName = Object.fromEntries(q.terraform.resourceChanges.map((e) => [e.name, e.change]));
    expect(byName.none.after_unknown).toEqual({ created_at: true, id: true, masked: true, scopes: [], secret: true });
    expect(byName.one.after_unknown).toEqual({ created_at: true, expires_at: true, id: true, masked: true, scopes: [false], secret: true });
    expect(byName.three.after_unknown).toEqual({ created_at: true, id: true, masked: true, scopes: [false, false, false], secret: true });
    expect(byName.one.after_sensitive).toEqual({ scopes: [false], secret: true });
    expect(byName.three.after_sensitive).toEqual({ scopes: [false, false, false], secret: true });
    const planned = Object.fromEntries(q.terraform.plannedValues.resources.map((r) => [r.name, r.sensitive_values]));
    expect(planned).toEqual({ none: { scopes: [], secret: true }, one: { scopes: [false], secret: true }, three: { scopes: [false, false, false], secret: true } });
  });

  test("output_changes use plain booleans and flag sensitive outputs", () => {
    expect(doc.output_changes).toEqual({
      // unknown: no `after` (Terraform leaves it out); a sensitive output is sensitive on both sides
      ci_key: { actions: ["create"], before: null, after_unknown: true, before_sensitive: true, after_sensitive: true },
      staging_name: { actions: ["create"], before: null, after: "staging-eu", after_unknown: false, before_sensitive: false, after_sensitive: false },
    });
  });

  test("no secret value anywhere: every `secret` key is a boolean marker", () => {
    const offenders: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "secret" && typeof x !== "boolean") offenders.push(`${path}.${k}`);
          walk(x, `${path}.${k}`);
        }
      }
    };
    walk(doc, "$");
    expect(offenders).toEqual([]);
  });

  test("an errored plan is not applyable", () => {
    const bad = planFor({ ci: { name: "bad name!" } }, currentWith([]));
    expect(renderPlanJson(bad)).toMatchObject({ errored: true, applyable: false });
  });
});

describe("renderPlanText", () => {
  test("create", () => {
    const p = planFor({ ci: { name: "github-actions", expires_in: "90d" } }, currentWith([]), {}, { output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true } } });
    expect(renderPlanText(p)).toBe(
      lines(
        ...HEADER,
        "  + create",
        "",
        "Terraform will perform the following actions:",
        "",
        "  # keyform_api_key.ci will be created",
        '  + resource "keyform_api_key" "ci" {',
        '      + account      = "acme"',
        "      + created_at   = (known after apply)",
        "      + expires_at   = (known after apply)",
        '      + expires_in   = "90d"',
        "      + id           = (known after apply)",
        "      + last_used_at = (known after apply)",
        "      + masked       = (known after apply)",
        '      + name         = "github-actions"',
        "      + scopes       = []",
        "      + secret       = (sensitive value)",
        '      + type         = "live"',
        "    }",
        "",
        "Plan: 1 to add, 0 to change, 0 to destroy.",
        "",
        "To apply this plan: keys:manage on account acme; a credential living at least 90d past the apply; not a temp key.",
        "",
        "Changes to Outputs:",
        "  + ci_key = (sensitive value)",
      ),
    );
  });

  test("update in place", () => {
    const p = planFor({ staging: { name: "staging-eu" } }, currentWith([{ address: "keyform_api_key.staging", name: "staging" }]));
    expect(renderPlanText(p)).toBe(
      lines(
        ...HEADER,
        "  ~ update in-place",
        "",
        "Terraform will perform the following actions:",
        "",
        "  # keyform_api_key.staging will be updated in-place",
        '  ~ resource "keyform_api_key" "staging" {',
        `        id         = "${keyId("keyform_api_key.staging")}"`,
        '      ~ name       = "staging" -> "staging-eu"',
        "        # (7 unchanged attributes hidden)",
        "    }",
        "",
        "Plan: 0 to add, 1 to change, 0 to destroy.",
        "",
        "To apply this plan: keys:manage on account acme; a credential that never expires.",
      ),
    );
  });

  test("list attributes show added and removed elements", () => {
    const p = planFor({ ci: { name: "ci", scopes: ["a:a", "c:c"] } }, currentWith([{ address: "keyform_api_key.ci", name: "ci", scopes: ["a:a", "b:b"] }]));
    expect(renderPlanText(p)).toContain(
      lines(
        "      ~ scopes     = [",
        '          - "b:b",',
        '          + "c:c",',
        "            # (1 unchanged element hidden)",
        "        ]",
      ),
    );
  });

  test("replace", () => {
    const p = planFor({ old: { name: "old", type: "temp" } }, currentWith([{ address: "keyform_api_key.old", name: "old" }]));
    expect(renderPlanText(p)).toBe(
      lines(
        ...HEADER,
        "-/+ destroy and then create replacement",
        "",
        "Terraform will perform the following actions:",
        "",
        "  # keyform_api_key.old must be replaced",
        '-/+ resource "keyform_api_key" "old" {',
        // what terraform-provider-keyform plans for the new key: arguments the configuration leaves out are unknown
        '      ~ created_at   = "2026-11-13T12:00:00.000Z" -> (known after apply)',
        "      + expires_at   = (known after apply)",
        '      ~ expires_in   = "never" -> (known after apply)',
        `      ~ id           = "${keyId("keyform_api_key.old")}" -> (known after apply)`,
        "      + last_used_at = (known after apply)",
        '      ~ masked       = "kf_live_keyf…0000" -> (known after apply)',
        '        name         = "old"',
        "      ~ secret       = (sensitive value)",
        '      ~ type         = "live" -> "temp" # forces replacement',
        "        # (2 unchanged attributes hidden)",
        "    }",
        "",
        "Plan: 1 to add, 0 to change, 1 to destroy.",
        "",
        "To apply this plan: keys:manage on account acme; a credential that never expires; not a temp key.",
      ),
    );
  });

  test("replacement headers name their reason; create_before_destroy uses +/-", () => {
    const current = currentWith([{ address: "keyform_api_key.ci", name: "ci", rotate_every: "7d", createdAt: NOW - 8 * DAY }]);
    const tainted = renderPlanText(planFor({ ci: { name: "ci", rotate_every: "7d", lifecycle: { create_before_destroy: true } } }, current));
    expect(tainted).toContain("+/- create replacement and then destroy\n");
    expect(tainted).toContain("  # keyform_api_key.ci is tainted, so must be replaced\n  # (rotate_every = \"7d\" has passed since the key was created at 2026-11-15T12:00:00.000Z)\n+/- resource");
    const requested = renderPlanText(planFor({ ci: { name: "ci", rotate_every: "7d" } }, current, { replace: ["keyform_api_key.ci"] }));
    expect(requested).toContain("  # keyform_api_key.ci will be replaced, as requested\n");
  });

  test("delete", () => {
    const p = planFor({}, currentWith([{ address: "keyform_api_key.gone", name: "gone" }]));
    expect(renderPlanText(p)).toBe(
      lines(
        ...HEADER,
        "  - destroy",
        "",
        "Terraform will perform the following actions:",
        "",
        "  # keyform_api_key.gone will be destroyed",
        "  # (because keyform_api_key.gone is not in configuration)",
        '  - resource "keyform_api_key" "gone" {',
        '      - account    = "acme" -> null',
        '      - created_at = "2026-11-13T12:00:00.000Z" -> null',
        '      - expires_in = "never" -> null',
        `      - id         = "${keyId("keyform_api_key.gone")}" -> null`,
        '      - masked     = "kf_live_keyf…0000" -> null',
        '      - name       = "gone" -> null',
        "      - scopes     = [] -> null",
        "      - secret     = (sensitive value)",
        '      - type       = "live" -> null',
        "    }",
        "",
        "Plan: 0 to add, 0 to change, 1 to destroy.",
        "",
        "To apply this plan: keys:manage on account acme; a credential that never expires.",
      ),
    );
  });

  test("count shrink names the index", () => {
    const p = planFor({ k: { count: 1, name: "k-${count.index}" } }, currentWith([{ address: "keyform_api_key.k[0]", name: "k-0" }, { address: "keyform_api_key.k[1]", name: "k-1" }]));
    expect(renderPlanText(p)).toContain("  # keyform_api_key.k[1] will be destroyed\n  # (because index [1] is out of range for count)\n");
  });

  test("no changes", () => {
    const p = planFor({ ci: { name: "ci" } }, currentWith([{ address: "keyform_api_key.ci", name: "ci" }]));
    expect(renderPlanText(p)).toBe(
      lines(
        "No changes. Your infrastructure matches the configuration.",
        "",
        "Terraform has compared your real infrastructure against your configuration",
        "and found no differences, so no changes are needed.",
      ),
    );
  });

  test("drift is printed before the actions", () => {
    const current = currentWith([{ address: "keyform_api_key.ci", name: "ci" }], { tweak: { "keyform_api_key.ci": (k) => ({ ...k, revokedAt: NOW - DAY, status: "revoked" }) } });
    const text = renderPlanText(planFor({ ci: { name: "ci" } }, current));
    expect(text.indexOf("Note: Objects have changed outside of Terraform")).toBeGreaterThanOrEqual(0);
    expect(text).toContain("  # keyform_api_key.ci has been deleted\n  - resource \"keyform_api_key\" \"ci\" {\n");
    expect(text.indexOf("has been deleted")).toBeLessThan(text.indexOf("  # keyform_api_key.ci will be created"));
    expect(text).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
  });

  test("import and move headers, and the import count in the summary", () => {
    const current = currentWith([{ address: "keyform_api_key.old", name: "moved" }], { extraLive: [foreignKey("legacy")] });
    const text = renderPlanText(
      planFor({ new: { name: "moved" }, legacy: { name: "legacy" } }, current, {}, {
        moved: [{ from: "keyform_api_key.old", to: "keyform_api_key.new" }],
        import: [{ id: keyId("legacy"), to: "keyform_api_key.legacy" }],
      }),
    );
    expect(text).toContain("  # keyform_api_key.old has moved to keyform_api_key.new\n    resource \"keyform_api_key\" \"new\" {\n");
    expect(text).toContain("  # keyform_api_key.legacy will be imported\n    resource \"keyform_api_key\" \"legacy\" {\n");
    expect(text).toContain("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.");
  });

  test("errors are rendered as Terraform diagnostics naming the resource", () => {
    const current = currentWith([], { accounts: { acme: { keyLimit: 1, activeKeys: 1 } } });
    expect(renderPlanText(planFor({ ci: { name: "ci" } }, current))).toBe(
      lines(
        "Planning failed. Terraform encountered an error while generating this plan.",
        "",
        "╷",
        "│ Error: Key limit reached",
        "│ ",
        "│   with keyform_api_key.ci",
        "│ ",
        "│ account acme has 1 of 1 keys",
        "╵",
      ),
    );
  });
});

describe("renderPlanMarkdown", () => {
  const meta = { stack: "keys", planId: "plan_abc", applyCommand: "keyform apply --plan plan_abc" };

  test("heading, summary, folded diff, apply command", () => {
    const p = planFor({ ci: { name: "ci" }, staging: { name: "staging-eu" } }, currentWith([{ address: "keyform_api_key.staging", name: "staging" }]));
    const md = renderPlanMarkdown(p, meta);
    expect(md.startsWith("### keyform plan for stack `keys`\n")).toBe(true);
    expect(md).toContain("**Plan: 1 to add, 1 to change, 0 to destroy.**");
    expect(md).toContain("<details><summary>Show plan</summary>\n\n```diff\n");
    expect(md).toContain('+       name         = "ci"');
    expect(md).toContain('!       name       = "staging" -> "staging-eu"');
    expect(md).toContain("!   resource \"keyform_api_key\" \"staging\" {");
    expect(md).toContain("```\n\n</details>");
    expect(md).toContain("keyform apply --plan plan_abc");
  });

  test("a failed plan shows its diagnostics and no apply command", () => {
    const md = renderPlanMarkdown(planFor({ ci: { name: "ci", type: "legacy" } }, currentWith([])), meta);
    expect(md).toContain("keyform plan failed for stack `keys`");
    expect(md).toContain("**Error: Legacy keys cannot be created** (`keyform_api_key.ci`)");
    expect(md).not.toContain("keyform apply --plan");
    expect(md).toContain("<details><summary>Show output</summary>\n\n```diff\nPlanning failed.");
  });

  test("diffFormat moves symbols to column 0 and turns ~ into !", () => {
    expect(diffFormat('      + name = "a"\n      ~ id = 1\n  # comment\n-/+ resource')).toBe('+       name = "a"\n!       id = 1\n  # comment\n-/+ resource');
  });
});

describe("renderPlanText: drift without changes", () => {
  test("an expired temp key is reported as drift and the plan has no changes", () => {
    const current = currentWith([{ address: "keyform_api_key.t", name: "t", type: "temp", createdAt: NOW - DAY }]);
    const text = renderPlanText(planFor({ t: { name: "t", type: "temp" } }, current));
    // status is keyform's own, not an attribute of the provider schema: a note under the drift header says it
    expect(text).toContain('  # keyform_api_key.t has changed\n  # (status changed outside the stack: "active" -> "expired")\n  ~ resource "keyform_api_key" "t" {\n');
    expect(text).toContain("No changes. Your infrastructure matches the configuration.\n\nYour configuration already matches the changes detected above.\n");
  });
});

test("last_used_at is refreshed but never shown as drift", () => {
  const used = currentWith([{ address: "keyform_api_key.ci", name: "ci" }], { tweak: { "keyform_api_key.ci": (k) => ({ ...k, lastUsedAt: NOW - 1000 }) } });
  const quiet = planFor({ ci: { name: "ci" } }, used);
  expect(quiet.terraform.resourceDrift).toEqual([]);
  expect(renderPlanText(quiet)).toContain("No changes.");
  const renamed = currentWith([{ address: "keyform_api_key.ci", name: "ci" }], { tweak: { "keyform_api_key.ci": (k) => ({ ...k, name: "x", lastUsedAt: NOW - 1000 }) } });
  const text = renderPlanText(planFor({ ci: { name: "ci" } }, renamed));
  expect(text).toContain('  # keyform_api_key.ci has changed\n  ~ resource "keyform_api_key" "ci" {\n        id           = "');
  expect(text).not.toContain("+ last_used_at");
});
