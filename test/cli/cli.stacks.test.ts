import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, runCli, serveKeyform, type ServedKeyform } from "../support/cli";

function tfJson(endpoint: string, resources: Record<string, unknown>, outputs: Record<string, unknown>) {
  return {
    "//": { metadata: { stackName: "ci-keys", backend: "local", version: "0.21.0" } },
    terraform: { required_providers: { keyform: { source: "keyform/keyform" } } },
    provider: { keyform: [{ account: "acme", endpoint }] },
    resource: { keyform_api_key: resources },
    output: outputs,
  };
}

describe("keyform CLI: plan, apply, output, state", () => {
  let srv: ServedKeyform;
  let work: string;
  beforeAll(async () => {
    srv = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: "cli-stack-operator-token" } });
    expect((await api(srv.endpoint, srv.adminToken, "POST", "/v1/accounts", { id: "acme" })).status).toBe(201);
    work = mkdtempSync(join(tmpdir(), "keyform-cli-"));
  });
  afterAll(async () => {
    await srv.stop();
  });

  // The provider block names the same server; the token goes where KEYFORM_ENDPOINT says.
  const env = () => ({ KEYFORM_TOKEN: srv.adminToken, KEYFORM_ENDPOINT: srv.endpoint });
  const write = (resources: Record<string, unknown>, outputs: Record<string, unknown> = {}) =>
    writeFileSync(join(work, "keys.tf.json"), JSON.stringify(tfJson(srv.endpoint, resources, outputs)));

  it("plans with exit code 2, applies a saved plan, writes outputs 0600, and re-plans to exit 0", async () => {
    write(
      { ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] } },
      { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, ci_masked: { value: "${keyform_api_key.ci.masked}" } },
    );
    const plan = await runCli(["plan", "keys.tf.json", "--detailed-exitcode", "--out", "plan.json"], { env: env(), cwd: work });
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("# keyform_api_key.ci will be created");
    expect(plan.stdout).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    const saved = JSON.parse(readFileSync(join(work, "plan.json"), "utf8"));
    expect(saved).toMatchObject({ plan_id: expect.stringMatching(/^plan_/), stack: "ci-keys", serial: 0, endpoint: srv.endpoint });

    const apply = await runCli(["apply", "--plan", "plan.json", "--outputs-file", "out/ci.json"], { env: env(), cwd: work });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    expect(apply.stdout).toContain("ci_key = <sensitive>");
    expect(apply.stdout).not.toMatch(/kf_live_[0-9A-Za-z]{36}/);
    const file = join(work, ".keyform", "outputs", "ci-keys.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(work, "out", "ci.json")).mode & 0o777).toBe(0o600);

    const raw = await runCli(["output", "ci_key", "--raw"], { env: env(), cwd: work });
    expect(raw.code).toBe(0);
    expect(raw.stdout).toMatch(/^kf_live_[0-9A-Za-z]{36}$/);
    const secret = raw.stdout;
    expect((await api(srv.endpoint, srv.adminToken, "POST", "/v1/verify", { key: secret })).body.code).toBe("VALID");

    const json = JSON.parse((await runCli(["output", "--json"], { env: env(), cwd: work })).stdout);
    expect(json).toEqual({ ci_key: { sensitive: true, type: "string", value: secret }, ci_masked: { sensitive: false, type: "string", value: expect.stringMatching(/^kf_live_.{4}….{4}$/) } });
    const human = await runCli(["output"], { env: env(), cwd: work });
    expect(human.stdout).toContain("ci_key = <sensitive>");
    expect((await runCli(["output", "ci_key", "--format", "shell"], { env: env(), cwd: work })).stdout.trim()).toBe(`export CI_KEY="${secret}"`);
    expect((await runCli(["output", "ci_key", "--format", "dotenv"], { env: env(), cwd: work })).stdout.trim()).toBe(`CI_KEY="${secret}"`);
    expect((await runCli(["output", "ci_key", "--format", "base64"], { env: env(), cwd: work })).stdout.trim()).toBe(Buffer.from(secret).toString("base64"));
    const k8s = (await runCli(["output", "ci_key", "--format", "kubernetes"], { env: env(), cwd: work })).stdout;
    expect(k8s).toContain("kind: Secret");
    expect(k8s).toContain(`CI_KEY: ${Buffer.from(secret).toString("base64")}`);
    const ghOut = join(work, "github_output");
    writeFileSync(ghOut, "");
    const gh = await runCli(["output", "ci_key", "--format", "github"], { env: { ...env(), GITHUB_OUTPUT: ghOut }, cwd: work });
    expect(gh.stdout.trim()).toBe(`::add-mask::${secret}`);
    expect(readFileSync(ghOut, "utf8")).toMatch(new RegExp(`^ci_key<<(ghadelimiter_[0-9a-f-]{36})\\n${secret}\\n\\1\\n$`));

    const again = await runCli(["plan", "keys.tf.json", "--detailed-exitcode"], { env: env(), cwd: work });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes. Your infrastructure matches the configuration.");

    const list = await runCli(["state", "list", "--stack", "ci-keys"], { env: env(), cwd: work });
    expect(list.stdout.trim()).toBe("keyform_api_key.ci");
    const show = await runCli(["state", "show", "keyform_api_key.ci", "--stack", "ci-keys", "--endpoint", srv.endpoint], { env: env(), cwd: work });
    expect(show.stdout).toContain('resource "keyform_api_key" "ci" {');
    expect(show.stdout).toContain('"github-actions"');
    expect(show.stdout).not.toContain(secret);
  });

  it("updates in place, keeps an unchanged secret output, and refuses to apply without a terminal unless --auto-approve", async () => {
    write(
      { ci: { name: "github-actions-eu", expires_in: "90d", scopes: ["alerts:send"] } },
      { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, ci_masked: { value: "${keyform_api_key.ci.masked}" } },
    );
    const before = JSON.parse(readFileSync(join(work, ".keyform", "outputs", "ci-keys.json"), "utf8")).ci_key.value;
    const noTty = await runCli(["apply", "keys.tf.json"], { env: env(), cwd: work });
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain("--auto-approve");
    const ok = await runCli(["apply", "keys.tf.json", "--auto-approve"], { env: env(), cwd: work });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("will be updated in-place");
    expect(ok.stdout).toContain("0 added, 1 changed, 0 destroyed");
    expect((await runCli(["output", "ci_key", "--raw"], { env: env(), cwd: work })).stdout).toBe(before);
  });

  it("replaces on a type change and hands over the new secret; destroy revokes", async () => {
    write({ ci: { name: "github-actions-eu", type: "temp" } }, { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true } });
    const r = await runCli(["apply", "keys.tf.json", "--auto-approve"], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("must be replaced");
    const secret = (await runCli(["output", "ci_key", "--raw"], { env: env(), cwd: work })).stdout;
    expect(secret).toMatch(/^kf_temp_/);
    const d = await runCli(["apply", "keys.tf.json", "--destroy", "--auto-approve"], { env: env(), cwd: work });
    expect(d.code).toBe(0);
    expect(d.stdout).toContain("1 destroyed");
    expect((await api(srv.endpoint, srv.adminToken, "POST", "/v1/verify", { key: secret })).body.code).toBe("NOT_FOUND");
  });

  it("exits 1 with SECRET_UNAVAILABLE for a sensitive output it does not hold", async () => {
    const other = mkdtempSync(join(tmpdir(), "keyform-cli-other-"));
    mkdirSync(join(other, ".keyform", "outputs"), { recursive: true });
    writeFileSync(join(other, ".keyform", "outputs", "s.json"), JSON.stringify({ k: { sensitive: true, type: "string" } }), { mode: 0o600 });
    const r = await runCli(["output", "k", "--raw"], { env: env(), cwd: other });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("SECRET_UNAVAILABLE");
  });

  it("needs --stack for a cdktf.out with several stacks, and lists them", async () => {
    const out = join(work, "cdktf.out");
    mkdirSync(join(out, "stacks", "a"), { recursive: true });
    mkdirSync(join(out, "stacks", "b"), { recursive: true });
    writeFileSync(join(out, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: { a: { name: "a", synthesizedStackPath: "stacks/a/cdk.tf.json" }, b: { name: "b", synthesizedStackPath: "stacks/b/cdk.tf.json" } } }));
    const r = await runCli(["plan"], { env: env(), cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--stack");
    expect(r.stderr).toContain('"a", "b"');
  });

  it("plans and applies a cdktf.out written by the real `cdktf synth` (examples/basic), then reports no changes with exit 0", async () => {
    const root = join(__dirname, "../..");
    const out = mkdtempSync(join(tmpdir(), "keyform-cli-synth-"));
    const synth = spawnSync(join(root, "node_modules/.bin/cdktf"), ["synth", "--output", out], {
      cwd: join(root, "examples", "basic"), encoding: "utf8", timeout: 120_000, env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0" },
    });
    expect(synth.status).toBe(0);
    // The example's provider block points at :8080; KEYFORM_ENDPOINT overrides it.
    const e = { ...env(), KEYFORM_ENDPOINT: srv.endpoint };
    const plan = await runCli(["plan", out, "--detailed-exitcode"], { env: e, cwd: work });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("# keyform_api_key.ci will be created");
    const apply = await runCli(["apply", out, "--auto-approve"], { env: e, cwd: work });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    const again = await runCli(["plan", join(out, "stacks", "keys"), "--detailed-exitcode"], { env: e, cwd: work });
    expect(again.code).toBe(0);
    expect(JSON.parse((await runCli(["output", "--stack", "keys", "--json"], { env: e, cwd: work })).stdout).ci_key.value).toMatch(/^kf_live_/);
  }, 180_000);
  it("the operator works on an account's stack with --owner; the account's own key sees it as its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyform-cli-owner-"));
    writeFileSync(join(dir, "team.tf.json"), JSON.stringify({ ...tfJson(srv.endpoint, { t: { name: "team-key" } }, {}), "//": { metadata: { stackName: "team" } } }));
    const apply = await runCli(["apply", "team.tf.json", "--owner", "acme", "--auto-approve"], { env: env(), cwd: dir });
    expect(apply.code).toBe(0);
    const reader = (await api(srv.endpoint, srv.adminToken, "POST", "/v1/accounts/acme/keys", { name: "team-reader", scopes: ["keys:read"] })).body.secret;
    const asKey = { KEYFORM_TOKEN: reader, KEYFORM_ENDPOINT: srv.endpoint };
    const list = await runCli(["state", "list", "--stack", "team"], { env: asKey, cwd: dir });
    expect([list.code, list.stdout.trim()]).toEqual([0, "keyform_api_key.t"]);
    // Without --owner the operator is in its own namespace, where no stack "team" exists.
    expect((await runCli(["state", "list", "--stack", "team"], { env: env(), cwd: dir })).code).toBe(1);
    expect((await runCli(["state", "list", "--stack", "team", "--owner", "acme"], { env: env(), cwd: dir })).stdout.trim()).toBe("keyform_api_key.t");
    const bad = await runCli(["state", "list", "--stack", "team", "--owner", "../x"], { env: env(), cwd: dir });
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining("is not an account id")]);
  });
});
