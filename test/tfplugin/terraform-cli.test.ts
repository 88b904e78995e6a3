import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { toTerraformProviderSchema } from "../../provider";
import { installProvider } from "../../provider/plugin/install";
import { api } from "../support/cli";
import { ok, runTerraform, TERRAFORM, type Run } from "./terraform-runner";
import { startKeyformServer } from "./tfplugin-harness";

const EXAMPLE = resolve(__dirname, "../../examples/terraform");
const CDKTF_APP = resolve(EXAMPLE, "cdktf/main.ts");
const CDKTF = resolve(__dirname, "../../node_modules/.bin/cdktf");
const describeWithTerraform = TERRAFORM ? describe : describe.skip;

if (!TERRAFORM) {
  // eslint-disable-next-line no-console
  console.warn("terraform is not on PATH: skipping the real-terraform tests of terraform-provider-keyform");
}

describeWithTerraform(`real terraform binary (${TERRAFORM ?? "absent: skipped"}) drives terraform-provider-keyform on examples/terraform`, () => {
  jest.setTimeout(300_000);
  let server: Awaited<ReturnType<typeof startKeyformServer>>;
  let home: string;
  let work: string;

  beforeAll(async () => {
    server = await startKeyformServer();
    await server.harness.account("acme");
    home = mkdtempSync(join(tmpdir(), "keyform-tf-home-"));
    work = mkdtempSync(join(tmpdir(), "keyform-tf-work-"));
    cpSync(join(EXAMPLE, "main.tf"), join(work, "main.tf"));
    writeFileSync(join(home, ".terraformrc"), "");
    installProvider({ version: "0.1.0", home });
  });
  afterAll(async () => {
    await server?.close();
    for (const d of [home, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  function terraform(args: string[], timeoutMs = 120_000, command = TERRAFORM!, cwd = work): Promise<Run> {
    return runTerraform(args, { cwd, command, timeoutMs, env: { HOME: home, KEYFORM_TOKEN: server.token, TF_VAR_keyform_endpoint: server.endpoint } });
  }

  it("init finds the provider offline, apply creates both keys, outputs carry the secret, update, drift, import, destroy", async () => {
    const init = ok(await terraform(["init", "-no-color"]));
    expect(init.stdout).toMatch(/Installing keyform\/keyform v0\.1\.0/);
    expect(init.stdout).toContain("Terraform has been successfully initialized");

    // what Terraform reads from the plugin is the schema the cdktf constructs are built from
    const schema = JSON.parse(ok(await terraform(["providers", "schema", "-json"])).stdout);
    expect(schema.provider_schemas).toEqual(toTerraformProviderSchema().provider_schemas);

    const apply = ok(await terraform(["apply", "-auto-approve", "-no-color"]));
    expect(apply.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    expect(apply.stdout).toMatch(/ci_secret = <sensitive>/);

    const outputs = JSON.parse(ok(await terraform(["output", "-json"])).stdout);
    expect(outputs.ci_secret).toMatchObject({ sensitive: true, value: expect.stringMatching(/^kf_live_[0-9A-Za-z]{36}$/) });
    expect(outputs.ci_key_id.value).toMatch(/^key_/);
    const secret: string = outputs.ci_secret.value;
    expect(outputs.ci_masked.value).toBe(`kf_live_${secret.slice(8, 12)}…${secret.slice(-4)}`);
    const verified = await api(server.endpoint, server.token, "POST", "/v1/verify", { key: secret });
    expect(verified.body).toMatchObject({ valid: true, key_id: outputs.ci_key_id.value, account: "acme" });
    const stateText = readFileSync(join(work, "terraform.tfstate"), "utf8");
    expect(stateText).toContain(secret); // as with every provider: state holds the secret (see README)

    // no changes on a second plan
    const same = await terraform(["plan", "-detailed-exitcode", "-no-color"]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("No changes.");

    // a change of scopes is an in-place update: same id, same secret
    const update = ok(await terraform(["apply", "-auto-approve", "-no-color", "-var", 'ci_scopes=["alerts:send"]']));
    expect(update.stdout).toContain("keyform_api_key.ci will be updated in-place");
    expect(update.stdout).toContain("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.");
    const afterUpdate = JSON.parse(ok(await terraform(["output", "-json"])).stdout);
    expect(afterUpdate.ci_key_id.value).toBe(outputs.ci_key_id.value);
    expect(afterUpdate.ci_secret.value).toBe(secret);
    const shown = await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${outputs.ci_key_id.value}`);
    expect(shown.body.key.scopes).toEqual(["alerts:send"]);

    // a key revoked through the REST API is gone: the next plan recreates it
    await api(server.endpoint, server.token, "DELETE", `/v1/accounts/acme/keys/${outputs.ci_key_id.value}`);
    const drift = await terraform(["plan", "-detailed-exitcode", "-no-color", "-var", 'ci_scopes=["alerts:send"]']);
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/keyform_api_key\.ci has been deleted/);
    expect(drift.stdout).toContain("keyform_api_key.ci will be created");
    const recreated = ok(await terraform(["apply", "-auto-approve", "-no-color", "-var", 'ci_scopes=["alerts:send"]']));
    expect(recreated.stdout).toMatch(/Resources: 1 added/);
    const afterRecreate = JSON.parse(ok(await terraform(["output", "-json"])).stdout);
    expect(afterRecreate.ci_key_id.value).not.toBe(outputs.ci_key_id.value);
    expect(afterRecreate.ci_secret.value).not.toBe(secret);

    // import: forget the verifier key, import it by id, and the plan shows no changes
    const stateShow = ok(await terraform(["state", "show", "-no-color", "keyform_api_key.verifier"])).stdout;
    const verifierId = /\bid\s+=\s+"(key_[0-9A-Za-z]{24})"/.exec(stateShow)![1];
    ok(await terraform(["state", "rm", "keyform_api_key.verifier"]));
    const imported = ok(await terraform(["import", "-no-color", "-var", 'ci_scopes=["alerts:send"]', "keyform_api_key.verifier", verifierId]));
    expect(imported.stdout).toContain("Import successful!");
    const afterImport = await terraform(["plan", "-detailed-exitcode", "-no-color", "-var", 'ci_scopes=["alerts:send"]']);
    expect(afterImport.code).toBe(0);

    // validation diagnostics at plan time point at the attribute
    writeFileSync(join(work, "bad.tf"), 'resource "keyform_api_key" "bad" {\n  name = "not valid!"\n}\n');
    const bad = await terraform(["plan", "-no-color", "-var", 'ci_scopes=["alerts:send"]']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Invalid name");
    expect(bad.stderr).toMatch(/with keyform_api_key\.bad,[\s\S]*name = "not valid!"/);
    rmSync(join(work, "bad.tf"));

    // destroy revokes both keys
    const destroy = ok(await terraform(["destroy", "-auto-approve", "-no-color", "-var", 'ci_scopes=["alerts:send"]']));
    expect(destroy.stdout).toContain("Destroy complete! Resources: 2 destroyed.");
    const listed = await api(server.endpoint, server.token, "GET", "/v1/accounts/acme/keys?status=active");
    expect(listed.body.keys).toEqual([]);
  });

  it("cdktf deploy of the cdktf twin of the example, then cdktf destroy", async () => {
    const project = mkdtempSync(join(tmpdir(), "keyform-cdktf-"));
    try {
      // The app is the example's main.ts, run in place through tsx; state and cdktf.out stay in the temp project.
      const app = [process.execPath, require.resolve("tsx/cli"), CDKTF_APP].map((a) => JSON.stringify(a)).join(" ");
      writeFileSync(join(project, "cdktf.json"), JSON.stringify({ language: "typescript", app, output: "cdktf.out", sendCrashReports: "false", terraformProviders: [], terraformModules: [], context: {} }));
      const cdktf = (args: string[]) => terraform([...args, "--skip-provider-lock"], 240_000, CDKTF, project);
      const outputsFile = join(project, "outputs.json");
      const deploy = ok(await cdktf(["deploy", "--auto-approve", "--outputs-file", outputsFile, "--outputs-file-include-sensitive-outputs"]));
      expect(deploy.stdout).toMatch(/Apply complete! Resources: 2 added, 0 changed, 0 destroyed\./);
      const outputs = JSON.parse(readFileSync(outputsFile, "utf8"))["terraform-keys"];
      expect(outputs.ci_secret).toMatch(/^kf_live_[0-9A-Za-z]{36}$/);
      const verified = await api(server.endpoint, server.token, "POST", "/v1/verify", { key: outputs.ci_secret });
      expect(verified.body).toMatchObject({ valid: true, key_id: outputs.ci_key_id });
      const destroy = ok(await cdktf(["destroy", "--auto-approve"]));
      expect(destroy.stdout).toMatch(/Destroy complete! Resources: 2 destroyed\./);
      expect((await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${outputs.ci_key_id}`)).body.key.status).toBe("revoked");
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("dev_overrides: terraform plan uses the installed plugin without init", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyform-tf-dev-"));
    try {
      const installed = installProvider({ version: "0.1.0", home: dir });
      const rc = join(dir, "dev.tfrc");
      writeFileSync(rc, `provider_installation {\n  dev_overrides {\n    "keyform/keyform" = ${JSON.stringify(installed.dir)}\n  }\n  direct {}\n}\n`);
      const r = spawnSync(TERRAFORM!, ["plan", "-no-color"], {
        cwd: work,
        env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: rc, KEYFORM_TOKEN: server.token, TF_VAR_keyform_endpoint: server.endpoint },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(r.stderr + r.stdout).toContain("Provider development overrides are in effect");
      expect(r.stdout).toContain("Plan: 2 to add");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
