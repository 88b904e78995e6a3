import { parseConfig } from "../../server/reconciler/tf-config.parser";
import { renderPlanJson } from "../../server/reconciler/render/plan-json";
import { renderPlanMarkdown } from "../../server/reconciler/render/plan-markdown";
import { renderPlanText } from "../../server/reconciler/render/plan-text";
import { mdText } from "../../server/reconciler/render/safe-text";
import { currentWith, DAY, entry, errors, NOW, planFor, step, tfConfig } from "./fixtures";

const A = (n: string) => `keyform_api_key.${n}`;
const iso = (ms: number) => new Date(ms).toISOString();
const meta = { stack: "keys", planId: "plan_1", applyCommand: "keyform apply --plan plan_1" };

describe("rotation with overlap (rotate_every + rotation_overlap)", () => {
  const created = NOW - 8 * DAY;
  const used = NOW - 3_600_000;
  const rotating = { name: "ci", rotate_every: "7d", rotation_overlap: "12h", expires_in: "90d" };
  const current = () => currentWith([{ address: A("ci"), name: "ci", rotate_every: "7d", rotation_overlap: "12h", expires_in: "90d", createdAt: created, lastUsedAt: used }]);

  it("a due rotation is an in-place regeneration: same key, update, new secret, masked and rotation_due_at known after apply", () => {
    const p = planFor({ ci: rotating }, current());
    const c = step(p, A("ci"));
    expect(c).toMatchObject({ action: "update", keyId: expect.stringMatching(/^key_/), regenerate: true, reason: "rotation_due" });
    expect(c.desired).toMatchObject({ rotate_every: "7d", rotation_overlap: "12h" });
    expect(p.summary).toEqual({ import: 0, add: 0, change: 1, destroy: 0, forget: 0 });

    const e = entry(p, A("ci"));
    expect(e.change.actions).toEqual(["update"]);
    expect(e.action_reason).toBeUndefined();
    expect(e.change.before).toMatchObject({ rotation_due_at: iso(created + 7 * DAY), rotation_overlap: "12h", last_used_at: iso(used) });
    expect(e.change.after_unknown).toMatchObject({ masked: true, rotation_due_at: true, secret: true, expires_at: true });
    expect(e.change.after).not.toHaveProperty("masked");
    expect(e.change.after).toMatchObject({ id: e.change.before!.id, created_at: iso(created), rotation_overlap: "12h" });
    // The JSON plan is Terraform's: no secret, ever.
    expect(JSON.stringify(renderPlanJson(p))).not.toMatch(/kf_live_[0-9A-Za-z]{36}/);
  });

  it("the text plan says it is in place, that the secret changes, until when the old one lives and when it was last used", () => {
    const text = renderPlanText(planFor({ ci: rotating }, current()));
    expect(text).toContain("  # keyform_api_key.ci will be updated in-place\n");
    expect(text).toContain(`  # (rotate_every = "7d" has passed since the key was created at ${iso(created)}: the secret is regenerated in place, same id;\n`);
    expect(text).toContain(`  #  the old secret stays valid until 12h after apply (${iso(NOW + 12 * 3_600_000)} if applied now); the key was last used at ${iso(used)})\n`);
    expect(text).toMatch(/^ {6}~ secret +\= \(sensitive value\)$/m);
    expect(text).toMatch(/~ masked\s+= "kf_live_.*" -> \(known after apply\)/);
    expect(text).toMatch(/~ rotation_due_at\s+= ".*" -> \(known after apply\)/);
    expect(text).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
  });

  it("without rotation_overlap, today's behaviour: the key is replaced", () => {
    const cur = currentWith([{ address: A("ci"), name: "ci", rotate_every: "7d", createdAt: created }]);
    const p = planFor({ ci: { name: "ci", rotate_every: "7d" } }, cur);
    expect(step(p, A("ci"))).toMatchObject({ action: "replace", reason: "rotate_every_due" });
    expect(step(p, A("ci")).regenerate).toBeUndefined();
    expect(entry(p, A("ci")).action_reason).toBe("replace_because_tainted");
  });

  it("not yet due: no change, and rotation_due_at is known in the plan", () => {
    const cur = currentWith([{ address: A("ci"), name: "ci", rotate_every: "30d", rotation_overlap: "12h", createdAt: created }]);
    const p = planFor({ ci: { name: "ci", rotate_every: "30d", rotation_overlap: "12h" } }, cur);
    expect(step(p, A("ci")).action).toBe("noop");
    expect(p.terraform.plannedValues.resources[0].values.rotation_due_at).toBe(iso(created + 30 * DAY));
  });

  it("rotate_every counts from the stack's last regeneration, not from creation", () => {
    const cur = currentWith([{ address: A("ci"), name: "ci", rotate_every: "7d", rotation_overlap: "12h", createdAt: NOW - 40 * DAY, secretIssuedAt: NOW - 2 * DAY }]);
    const p = planFor({ ci: { name: "ci", rotate_every: "7d", rotation_overlap: "12h" } }, cur);
    expect(step(p, A("ci")).action).toBe("noop");
    expect(p.terraform.plannedValues.resources[0].values.rotation_due_at).toBe(iso(NOW + 5 * DAY));
    // And once that is past, the note names the regeneration.
    const later = currentWith([{ address: A("ci"), name: "ci", rotate_every: "7d", createdAt: NOW - 40 * DAY, secretIssuedAt: NOW - 8 * DAY }]);
    const text = renderPlanText(planFor({ ci: { name: "ci", rotate_every: "7d" } }, later));
    expect(text).toContain(`has passed since its secret was regenerated at ${iso(NOW - 8 * DAY)})`);
  });

  it("adding rotation_overlap to a key is an in-place update of the argument only", () => {
    const cur = currentWith([{ address: A("ci"), name: "ci", rotate_every: "30d", createdAt: created }]);
    const p = planFor({ ci: { name: "ci", rotate_every: "30d", rotation_overlap: "1h" } }, cur);
    expect(step(p, A("ci"))).toMatchObject({ action: "update", updates: ["rotation_overlap"] });
    expect(step(p, A("ci")).regenerate).toBeUndefined();
  });

  it.each([
    ["over 24h", { name: "ci", rotate_every: "7d", rotation_overlap: "25h" }, "Invalid rotation_overlap"],
    ["not a duration", { name: "ci", rotate_every: "7d", rotation_overlap: "soon" }, "Invalid rotation_overlap"],
    ["on a temp key", { name: "t", type: "temp", rotation_overlap: "1h" }, "Temp keys take no rotation_overlap"],
  ])("rotation_overlap %s is a plan error", (_what, config, summary) => {
    const p = planFor({ k: config }, currentWith([]));
    expect(errors(p).map((d) => d.summary)).toEqual([summary]);
  });

  it("secret_wo / secret_wo_version are for terraform, and say so", () => {
    const d = parseConfig(tfConfig({ k: { name: "k", secret_wo: "${ephemeral.keyform_secret.k.value}", secret_wo_version: 1 } }));
    const e = d.diagnostics.filter((x) => x.severity === "error");
    expect(e.map((x) => x.summary)).toEqual(["Write-only argument not used by keyform's reconciler", "Write-only argument not used by keyform's reconciler"]);
    expect(e[0].detail).toMatch(/terraform-provider-keyform \(Terraform 1\.11 or later\)/);
  });

  it("the same input gives a byte-identical plan", () => {
    const a = JSON.stringify(planFor({ ci: rotating }, current()));
    const b = JSON.stringify(planFor({ ci: rotating }, current()));
    expect(a).toBe(b);
  });
});

describe("pull-request markdown lists rotations and expiries due within 14 days", () => {
  it("the rotation in this plan, rotations and expiries ahead, nothing beyond 14 days, no temp keys", () => {
    const cur = currentWith([
      { address: A("now"), name: "now", rotate_every: "7d", rotation_overlap: "12h", createdAt: NOW - 8 * DAY },
      { address: A("soon"), name: "soon", rotate_every: "14d", createdAt: NOW - 10 * DAY },
      { address: A("expiring"), name: "expiring", expires_in: "30d", createdAt: NOW - 20 * DAY },
      { address: A("later"), name: "later", rotate_every: "90d", expires_in: "90d", createdAt: NOW - DAY },
      { address: A("temp"), name: "temp", type: "temp", createdAt: NOW - 60_000 },
    ]);
    const p = planFor(
      {
        now: { name: "now", rotate_every: "7d", rotation_overlap: "12h" },
        soon: { name: "soon", rotate_every: "14d" },
        expiring: { name: "expiring", expires_in: "30d" },
        later: { name: "later", rotate_every: "90d", expires_in: "90d" },
        temp: { name: "temp", type: "temp" },
      },
      cur,
    );
    const md = renderPlanMarkdown(p, meta);
    const section = md.slice(md.indexOf("#### Rotations and expiries due within 14 days"));
    const rows = section.split("\n").filter((l) => l.startsWith("| `keyform"));
    // Addresses are configuration text: code spans. keyform's own words are escaped text.
    expect(rows).toEqual([
      `| \`keyform_api_key.now\` | rotation | ${mdText("in this plan: regenerated in place, the old secret stays valid for 12h after apply")} |`,
      `| \`keyform_api_key.soon\` | rotation | ${mdText(iso(NOW + 4 * DAY))} (${mdText("in 4 day(s)")}) |`,
      `| \`keyform_api_key.expiring\` | expiry | ${mdText(iso(NOW + 10 * DAY))} (${mdText("in 10 day(s)")}) |`,
    ]);
  });

  it("user-controlled addresses (for_each keys) are escaped in the table", () => {
    const cur = currentWith([{ address: 'keyform_api_key.k["a|b`c"]', name: "x", rotate_every: "7d", rotation_overlap: "1h", createdAt: NOW - 8 * DAY }]);
    const p = planFor({ k: { for_each: { "a|b`c": "x" }, name: "${each.value}", rotate_every: "7d", rotation_overlap: "1h" } }, cur);
    const md = renderPlanMarkdown(p, meta);
    const row = md.split("\n").find((l) => l.startsWith("| `"))!;
    expect(row).toContain('a\\|b`c'); // inside a code span whose fence outruns the backtick; the pipe escaped for the table
    expect(row.split(/(?<!\\)\|/)).toHaveLength(5); // 3 cells: no stray column from the key
  });

  it("a plan with nothing due has no such section", () => {
    const p = planFor({ ci: { name: "ci" } }, currentWith([{ address: A("ci"), name: "ci" }]));
    expect(renderPlanMarkdown(p, meta)).not.toContain("due within");
  });
});
