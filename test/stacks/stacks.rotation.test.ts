import { STORE_KINDS } from "../support/db";
import { Harness } from "../support/harness";
import { mdText } from "../../server/reconciler/render/safe-text";

const DAY = 24 * 3600_000;
const config = (ci: Record<string, unknown>) => ({
  "//": { metadata: { stackName: "rot", backend: "local", version: "0.21.0" } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: { ci } },
  output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, ci_due: { value: "${keyform_api_key.ci.rotation_due_at}" } },
});

describe.each(STORE_KINDS)("a stack rotates a key with overlap on %s", (kind) => {
  let h: Harness;
  let now = Date.parse("2026-11-01T00:00:00.000Z");
  beforeAll(async () => {
    h = await Harness.start(kind, { clock: () => now });
    await h.account("acme");
  });
  afterAll(() => h.close());

  const planAndApply = async (cfg: unknown) => {
    const p = await h.as().post("/v1/stacks/rot/plans", { config: cfg });
    expect(p.status).toBe(201);
    const a = await h.as().post(`/v1/plans/${p.body.id}/apply`, {});
    expect(a.status).toBe(200);
    return { plan: p.body, apply: a.body, id: p.body.id as string };
  };

  it("regenerates in place when due: same id, usage kept, both secrets valid for the overlap, the old refused after it", async () => {
    const ci = { name: "ci", rotate_every: "7d", rotation_overlap: "1h", scopes: ["alerts:send"] };
    const first = await planAndApply(config(ci));
    const created = first.apply.resources[0];
    const oldSecret: string = created.secret;
    expect(first.apply.outputs.ci_due.value).toBe(new Date(now + 7 * DAY).toISOString());
    expect((await h.verify(oldSecret)).body.code).toBe("VALID");

    // Usage is written off the request path (at most a second late); reading the key flushes it.
    expect((await h.as().get(`/v1/accounts/acme/keys/${created.key_id}`)).body.key.last_used_at).toBe(new Date(now).toISOString());
    now += 8 * DAY;
    const p = await h.as().post("/v1/stacks/rot/plans", { config: config(ci) });
    expect(p.body.summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    const change = p.body.terraform.resource_changes[0];
    expect(change.change.actions).toEqual(["update"]);
    expect(change.change.after_unknown).toMatchObject({ secret: true, masked: true, rotation_due_at: true });
    const text = (await h.as().get(`/v1/plans/${p.body.id}?format=text`)).text;
    expect(text).toContain("the old secret stays valid until 1h after apply");
    expect(text).toMatch(/the key was last used at 2026-11-01T00:00:00\.000Z/);
    const md = (await h.as().get(`/v1/plans/${p.body.id}?format=markdown`)).text;
    expect(md).toContain(`| \`keyform_api_key.ci\` | rotation | ${mdText("in this plan: regenerated in place, the old secret stays valid for 1h after apply")} |`);

    const a = await h.as().post(`/v1/plans/${p.body.id}/apply`, {});
    expect(a.status).toBe(200);
    const rotated = a.body.resources[0];
    expect(rotated).toMatchObject({ action: "update", key_id: created.key_id, secret: expect.stringMatching(/^kf_live_/) });
    expect(rotated.secret).not.toBe(oldSecret);
    expect(a.body.outputs.ci_key).toMatchObject({ sensitive: true, value: rotated.secret });
    expect(a.body.outputs.ci_due.value).toBe(new Date(now + 7 * DAY).toISOString());
    expect((await h.verify(oldSecret)).body).toMatchObject({ valid: true, key_id: created.key_id });
    expect((await h.verify(rotated.secret)).body).toMatchObject({ valid: true, key_id: created.key_id });
    const details = (await h.as().get(`/v1/accounts/acme/keys/${created.key_id}`)).body.key;
    expect(details.uses).toBe(3); // usage history kept: one verify before, two after
    const audit = (await h.as().get("/v1/accounts/acme/audit")).body.events.find((e: any) => e.action === "key.regenerate");
    expect(audit).toMatchObject({ target: created.key_id, actor: "stack:rot", details: { grace_period_seconds: 3600, stack: "rot", reason: "rotation_due" } });

    // The state counts the next rotation from this regeneration: nothing to do now, and no drift.
    const again = await h.as().post("/v1/stacks/rot/plans", { config: config(ci) });
    expect(again.body.has_changes).toBe(false);
    expect(again.body.terraform.resource_drift).toBeUndefined(); // left out when empty, as Terraform does
    const state = (await h.as().get("/v1/stacks/rot/state")).body;
    expect(state.resources[0].instances[0].attributes).toMatchObject({ rotation_overlap: "1h", rotation_due_at: new Date(now + 7 * DAY).toISOString() });
    expect(JSON.stringify(state)).not.toContain(rotated.secret);

    now += 3600_000 + 1;
    expect((await h.verify(oldSecret)).body.code).toBe("NOT_FOUND");
    expect((await h.verify(rotated.secret)).body.code).toBe("VALID");
  });

  it("without rotation_overlap the same rotation replaces the key (new id)", async () => {
    const ci = { name: "ci", rotate_every: "7d", scopes: ["alerts:send"] };
    const before = (await h.as().get("/v1/stacks/rot/state")).body.resources[0].instances[0].attributes.id;
    const update = await planAndApply(config(ci)); // drops rotation_overlap: an in-place update of the argument
    expect(update.plan.summary).toMatchObject({ change: 1, add: 0 });
    now += 8 * DAY;
    const replaced = await planAndApply(config(ci));
    expect(replaced.plan.summary).toMatchObject({ add: 1, destroy: 1 });
    expect(replaced.apply.resources[0].key_id).not.toBe(before);
  });

  it("a key moved and changed (rotated, renamed) in one plan: one state entry at the new address, and the next plan is empty", async () => {
    const moveCfg = (name: string, address: string, extra: Record<string, unknown> = {}) => ({
      "//": { metadata: { stackName: "mv" } },
      provider: { keyform: [{ account: "acme" }] },
      resource: { keyform_api_key: { [address]: { name, rotate_every: "7d", rotation_overlap: "1h" } } },
      ...extra,
    });
    const p1 = await h.as().post("/v1/stacks/mv/plans", { config: moveCfg("mv-a", "old") });
    const created = (await h.as().post(`/v1/plans/${p1.body.id}/apply`, {})).body.resources[0];
    now += 8 * DAY;
    const moved = moveCfg("mv-b", "new", { moved: [{ from: "keyform_api_key.old", to: "keyform_api_key.new" }] });
    const p2 = await h.as().post("/v1/stacks/mv/plans", { config: moved });
    expect(p2.body.terraform.resource_changes.map((c: any) => [c.address, c.change.actions, c.previous_address])).toEqual([["keyform_api_key.new", ["update"], "keyform_api_key.old"]]);
    const a2 = await h.as().post(`/v1/plans/${p2.body.id}/apply`, {});
    expect(a2.body.resources[0]).toMatchObject({ address: "keyform_api_key.new", key_id: created.key_id, secret: expect.stringMatching(/^kf_live_/) });
    const state = (await h.as().get("/v1/stacks/mv/state")).body;
    expect(state.resources.map((r: any) => r.name)).toEqual(["new"]);
    expect((await h.as().get(`/v1/accounts/acme/keys/${created.key_id}`)).body.key).toMatchObject({ name: "mv-b", status: "active" });
    const p3 = await h.as().post("/v1/stacks/mv/plans", { config: moved });
    expect(p3.body.has_changes).toBe(false);
  });
});
