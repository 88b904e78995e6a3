import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { toTerraformProviderSchema } from "../../provider";
import { installProvider } from "../../provider/plugin/install";
import { api } from "../support/cli";
import { orderedSteps } from "../support/steps";
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

  /** examples/terraform's life under a real terraform, one step per test: init → create → update → import → drift → destroy. */
  describe("init, create, update, import, drift, destroy: ordered steps on one working directory", () => {
    const step = orderedSteps();
    const scopes = ["-var", 'ci_scopes=["alerts:send"]'];
    let outputs: Record<string, { value: string; sensitive: boolean }>;
    let secret: string;

    step("init finds the provider offline", async () => {
      const init = ok(await terraform(["init", "-no-color"]));
      expect(init.stdout).toMatch(/Installing keyform\/keyform v0\.1\.0[\s\S]*Terraform has been successfully initialized/);
    });

    step("init: what Terraform reads from the plugin is the schema the cdktf constructs are built from", async () => {
      const schema = JSON.parse(ok(await terraform(["providers", "schema", "-json"])).stdout);
      expect(schema.provider_schemas).toEqual(toTerraformProviderSchema().provider_schemas);
    });

    step("create: apply adds both keys and shows the secret output as sensitive", async () => {
      const apply = ok(await terraform(["apply", "-auto-approve", "-no-color"]));
      expect(apply.stdout).toMatch(/Apply complete! Resources: 2 added, 0 changed, 0 destroyed\.[\s\S]*ci_secret = <sensitive>/);
    });

    step("create: the outputs carry the key's id, secret and masked form", async () => {
      outputs = JSON.parse(ok(await terraform(["output", "-json"])).stdout);
      secret = outputs.ci_secret?.value;
      expect(outputs).toMatchObject({
        ci_secret: { sensitive: true, value: expect.stringMatching(/^kf_live_[0-9A-Za-z]{36}$/) },
        ci_key_id: { value: expect.stringMatching(/^key_/) },
        ci_masked: { value: `kf_live_${secret?.slice(8, 12)}…${secret?.slice(-4)}` },
      });
    });

    step("create: the secret verifies on the server as the new key", async () => {
      const verified = await api(server.endpoint, server.token, "POST", "/v1/verify", { key: secret });
      expect(verified.body).toMatchObject({ valid: true, key_id: outputs.ci_key_id.value, account: "acme" });
    });

    step("create: as with every provider, the state holds the secret (see README)", () => {
      expect(readFileSync(join(work, "terraform.tfstate"), "utf8")).toContain(secret);
    });

    step("create: a second plan has no changes", async () => {
      const same = await terraform(["plan", "-detailed-exitcode", "-no-color"]);
      expect({ code: same.code, noChanges: same.stdout.includes("No changes.") }).toEqual({ code: 0, noChanges: true });
    });

    step("update: a change of scopes is applied in place", async () => {
      const update = ok(await terraform(["apply", "-auto-approve", "-no-color", ...scopes]));
      expect(update.stdout).toMatch(/keyform_api_key\.ci will be updated in-place[\s\S]*Apply complete! Resources: 0 added, 1 changed, 0 destroyed\./);
    });

    step("update: same id and same secret in the outputs", async () => {
      const after = JSON.parse(ok(await terraform(["output", "-json"])).stdout);
      expect([after.ci_key_id.value, after.ci_secret.value]).toEqual([outputs.ci_key_id.value, secret]);
    });

    step("update: the server holds the new scopes", async () => {
      const shown = await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${outputs.ci_key_id.value}`);
      expect(shown.body.key.scopes).toEqual(["alerts:send"]);
    });

    step("import: the verifier key, forgotten by state rm, is imported by its id", async () => {
      const stateShow = ok(await terraform(["state", "show", "-no-color", "keyform_api_key.verifier"])).stdout;
      const verifierId = /\bid\s+=\s+"(key_[0-9A-Za-z]{24})"/.exec(stateShow)![1];
      ok(await terraform(["state", "rm", "keyform_api_key.verifier"]));
      const imported = ok(await terraform(["import", "-no-color", ...scopes, "keyform_api_key.verifier", verifierId]));
      expect(imported.stdout).toContain("Import successful!");
    });

    step("import: the plan after the import has no changes", async () => {
      expect((await terraform(["plan", "-detailed-exitcode", "-no-color", ...scopes])).code).toBe(0);
    });

    step("drift: a key revoked through the REST API shows as deleted, and the plan creates it again", async () => {
      await api(server.endpoint, server.token, "DELETE", `/v1/accounts/acme/keys/${outputs.ci_key_id.value}`);
      const drift = await terraform(["plan", "-detailed-exitcode", "-no-color", ...scopes]);
      expect({ code: drift.code, stdout: drift.stdout }).toEqual({
        code: 2,
        stdout: expect.stringMatching(/keyform_api_key\.ci has been deleted[\s\S]*keyform_api_key\.ci will be created/),
      });
    });

    step("drift: apply recreates the key with a new id and a new secret", async () => {
      ok(await terraform(["apply", "-auto-approve", "-no-color", ...scopes]));
      const after = JSON.parse(ok(await terraform(["output", "-json"])).stdout);
      expect([after.ci_key_id.value === outputs.ci_key_id.value, after.ci_secret.value === secret]).toEqual([false, false]);
    });

    step("validation: a bad literal fails the plan with a diagnostic pointing at the attribute", async () => {
      writeFileSync(join(work, "bad.tf"), 'resource "keyform_api_key" "bad" {\n  name = "not valid!"\n}\n');
      try {
        const bad = await terraform(["plan", "-no-color", ...scopes]);
        expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/Invalid name[\s\S]*with keyform_api_key\.bad,[\s\S]*name = "not valid!"/) });
      } finally {
        rmSync(join(work, "bad.tf"));
      }
    });

    step("destroy revokes both keys", async () => {
      const destroy = ok(await terraform(["destroy", "-auto-approve", "-no-color", ...scopes]));
      const listed = await api(server.endpoint, server.token, "GET", "/v1/accounts/acme/keys?status=active");
      expect({ destroyed: destroy.stdout.includes("Destroy complete! Resources: 2 destroyed."), active: listed.body.keys }).toEqual({ destroyed: true, active: [] });
    });
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
