/**
 * The examples, synthesized by the real cdktf CLI, planned and applied through the REST API on both
 * stores: apply → no changes → update → replace → remove → destroy, drift, import and move.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

const ROOT = join(__dirname, "../..");
type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const outdirs: string[] = [];

function synth(example: string, stack: string, env: Record<string, string> = {}): Config {
  const outdir = mkdtempSync(join(tmpdir(), "keyform-e2e-synth-"));
  outdirs.push(outdir);
  const run = spawnSync(join(ROOT, "node_modules/.bin/cdktf"), ["synth", "--output", outdir], {
    cwd: join(ROOT, "examples", example), encoding: "utf8", timeout: 120_000,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0", ...env },
  });
  if (run.status !== 0) throw new Error(`cdktf synth ${example} failed:\n${run.stdout}\n${run.stderr}`);
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  return JSON.parse(readFileSync(join(outdir, manifest.stacks[stack].synthesizedStackPath), "utf8"));
}

let basic: Config;
let tenants: Config;
let legacyStep1: Config;
let legacyStep2: Config;
beforeAll(() => {
  basic = synth("basic", "keys");
  tenants = synth("multi-tenant", "tenants");
  legacyStep1 = synth("import-legacy", "legacy", { STEP: "1" });
  legacyStep2 = synth("import-legacy", "legacy");
}, 300_000);
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const clone = (c: Config): Config => JSON.parse(JSON.stringify(c));

describe.each(STORE_KINDS)("examples end to end on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
    for (const id of ["acme", "globex", "initech", "umbrella"]) await h.account(id);
  });
  afterAll(() => h.close());

  async function planAndApply(stack: string, config: Config, extra: Record<string, unknown> = {}) {
    const p = await h.as().post(`/v1/stacks/${stack}/plans`, { config, ...extra });
    if (p.status !== 201) throw new Error(`plan ${stack}: ${p.status} ${JSON.stringify(p.body)}`);
    const a = await h.as().post(`/v1/plans/${p.body.id}/apply`, {});
    if (a.status !== 200) throw new Error(`apply ${stack}: ${a.status} ${JSON.stringify(a.body)}`);
    return { plan: p.body, apply: a.body };
  }
  const replan = async (stack: string, config: Config, extra: Record<string, unknown> = {}) => (await h.as().post(`/v1/stacks/${stack}/plans`, { config, ...extra })).body;
  const actions = (plan: { terraform: { resource_changes: Array<{ address: string; change: { actions: string[] } }> } }) =>
    Object.fromEntries(plan.terraform.resource_changes.map((c) => [c.address, c.change.actions.join(",")]));

  it("basic: apply, no changes, update in place, replace, remove, destroy", async () => {
    const first = await planAndApply("keys", basic);
    expect(first.plan.summary).toMatchObject({ add: 1, change: 0, destroy: 0 });
    const secret = first.apply.outputs.ci_key.value;
    expect(secret).toMatch(/^kf_live_/);
    expect((await h.verify(secret, ["alerts:send"])).body.code).toBe("VALID");
    expect((await replan("keys", basic)).has_changes).toBe(false);

    const renamed = clone(basic);
    renamed.resource.keyform_api_key.ci.name = "github-actions-v2";
    const upd = await planAndApply("keys", renamed);
    expect(actions(upd.plan)["keyform_api_key.ci"]).toBe("update");
    expect(upd.apply.outputs.ci_key.unavailable).toBe(true); // the secret did not change: not handed out again
    expect((await h.verify(secret)).body.code).toBe("VALID");

    const temp = clone(renamed);
    temp.resource.keyform_api_key.ci.type = "temp";
    delete temp.resource.keyform_api_key.ci.expires_in;
    const rep = await planAndApply("keys", temp);
    expect(actions(rep.plan)["keyform_api_key.ci"]).toBe("delete,create");
    expect(rep.apply.outputs.ci_key.value).toMatch(/^kf_temp_/);
    expect((await h.verify(secret)).body.code).toBe("NOT_FOUND");

    const extra = clone(temp);
    extra.resource.keyform_api_key.second = { name: "second" };
    await planAndApply("keys", extra);
    const removed = await planAndApply("keys", temp);
    expect(actions(removed.plan)["keyform_api_key.second"]).toBe("delete");
    expect(removed.plan.terraform.resource_changes.find((c: { address: string }) => c.address === "keyform_api_key.second").action_reason).toBe("delete_because_no_resource_config");

    const destroy = await planAndApply("keys", temp, { destroy: true });
    expect(destroy.plan.summary.destroy).toBe(1);
    expect((await h.verify(rep.apply.outputs.ci_key.value)).body.code).toBe("NOT_FOUND");
    const state = await h.as().get("/v1/stacks/keys/state");
    expect(state.body.resources).toEqual([]);
  });

  it("multi-tenant: keys in several accounts with for_each, a temp key, create_before_destroy on --replace, prevent_destroy", async () => {
    const first = await planAndApply("tenants", tenants);
    const addrs = first.apply.resources.map((r: { address: string }) => r.address).sort();
    expect(addrs).toEqual(expect.arrayContaining(['keyform_api_key.tenant["acme"]', 'keyform_api_key.tenant["globex"]', 'keyform_api_key.tenant["initech"]', "keyform_api_key.onboarding", "keyform_api_key.billing"]));
    const globex = first.apply.resources.find((r: { address: string }) => r.address === 'keyform_api_key.tenant["globex"]');
    expect(globex.key).toMatchObject({ account: "globex", expires_in: "90d" });
    expect(first.apply.outputs.onboarding_key.value).toMatch(/^kf_temp_/);
    expect((await replan("tenants", tenants)).has_changes).toBe(false);

    const rotated = await planAndApply("tenants", tenants, { replace: ["keyform_api_key.webhooks"] });
    const wh = rotated.plan.terraform.resource_changes.find((c: { address: string }) => c.address === "keyform_api_key.webhooks");
    expect(wh.change.actions).toEqual(["create", "delete"]);
    expect(wh.action_reason).toBe("replace_by_request");
    expect(actions(rotated.plan)["keyform_api_key.webhook_verifier"]).toMatch(/create/); // replace_triggered_by
    expect(rotated.apply.outputs.webhook_key.value).toMatch(/^kf_live_/);

    // As in Terraform, prevent_destroy guards a resource that is still in the configuration.
    const refused = await h.as().post("/v1/stacks/tenants/plans", { config: tenants, destroy: true });
    expect(refused.status).toBe(422);
    expect(refused.body.diagnostics.find((d: { address?: string }) => d.address === "keyform_api_key.billing").summary).toContain("Instance cannot be destroyed");
  });

  it("import-legacy: adopt a legacy key with import, then rename the resource with moved, without replacing the key", async () => {
    const imported = await h.as().post("/v1/accounts/acme/keys/import", { name: "partner-api", secret: "dc746828-6bab-43d7-b01d-cc74eeb9759b", scopes: ["keys:read"], expires_in: "never" });
    expect(imported.status).toBe(201);
    const id = imported.body.key.id;
    const withId = (c: Config) => JSON.parse(JSON.stringify(c).split("key_0LegacyPartnerKey0000000").join(id));

    const step1 = await planAndApply("legacy", withId(legacyStep1));
    expect(step1.plan.summary).toMatchObject({ import: 1, add: 0, destroy: 0 });
    expect(step1.apply.outputs.legacy_key_masked.value).toBe("dc74…759b");
    expect((await h.as().get(`/v1/accounts/acme/keys/${id}`)).body.key.managed_by_stack).toBe("legacy");

    const step2 = await planAndApply("legacy", withId(legacyStep2));
    const moved = step2.plan.terraform.resource_changes.find((c: { address: string }) => c.address === "keyform_api_key.partner_api");
    expect(moved.previous_address).toBe("keyform_api_key.legacy");
    expect(step2.plan.summary).toMatchObject({ add: 0, destroy: 0 });
    const state = await h.as().get("/v1/stacks/legacy/state");
    expect(state.body.resources.map((r: { name: string }) => r.name)).toEqual(["partner_api"]);
    expect(state.body.resources[0].instances[0].attributes.id).toBe(id);
    expect((await h.verify("dc746828-6bab-43d7-b01d-cc74eeb9759b")).body.code).toBe("VALID");
  });
});
