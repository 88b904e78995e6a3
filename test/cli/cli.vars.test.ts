import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, runCli, serveKeyform, type ServedKeyform } from "../support/cli";

/** keyform plan/apply with -var, -var-file (.tfvars.json) and TF_VAR_name, in Terraform's precedence. */
describe("keyform CLI: input variables", () => {
  let srv: ServedKeyform;
  let work: string;
  beforeAll(async () => {
    srv = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: "cli-vars-operator-token" } });
    expect((await api(srv.endpoint, srv.adminToken, "POST", "/v1/accounts", { id: "acme" })).status).toBe(201);
    work = mkdtempSync(join(tmpdir(), "keyform-cli-vars-"));
    writeFileSync(
      join(work, "keys.tf.json"),
      JSON.stringify({
        "//": { metadata: { stackName: "vars" } },
        provider: { keyform: [{ account: "acme" }] },
        variable: { suffix: { type: "string", default: "default" }, scopes: { type: "list(string)", default: [] }, token: { type: "string", sensitive: true, default: "t" } },
        resource: { keyform_api_key: { k: { name: "svc-${var.suffix}", scopes: "${var.scopes}" } } },
      }),
    );
    writeFileSync(join(work, "a.tfvars.json"), JSON.stringify({ suffix: "file-a" }));
    writeFileSync(join(work, "b.tfvars.json"), JSON.stringify({ suffix: "file-b", stray: 1 }));
    writeFileSync(join(work, "c.tfvars"), 'suffix = "hcl"\n');
  });
  afterAll(async () => {
    await srv.stop();
  });

  const env = (extra: Record<string, string> = {}) => ({ KEYFORM_TOKEN: srv.adminToken, KEYFORM_ENDPOINT: srv.endpoint, ...extra });
  const planName = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(["plan", "keys.tf.json", ...args], { env: env(extra), cwd: work });
    expect(r.code).toBe(0);
    return /name\s+= "([^"]+)"/.exec(r.stdout)?.[1];
  };

  it("uses the default without any value given", async () => {
    expect(await planName([])).toBe("svc-default");
  });

  it("TF_VAR_name overrides the default", async () => {
    expect(await planName([], { TF_VAR_suffix: "env" })).toBe("svc-env");
  });

  it("-var-file overrides TF_VAR_, the later file winning", async () => {
    expect(await planName(["-var-file", "a.tfvars.json", "-var-file", "b.tfvars.json"], { TF_VAR_suffix: "env" })).toBe("svc-file-b");
  });

  it("-var overrides -var-file, the later -var winning (also spelled --var)", async () => {
    expect(await planName(["-var-file", "a.tfvars.json", "-var", "suffix=one", "--var", "suffix=two"])).toBe("svc-two");
  });

  it("warns about an undeclared variable in a -var-file", async () => {
    const r = await runCli(["plan", "keys.tf.json", "-var-file", "b.tfvars.json"], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Value for undeclared variable");
    expect(r.stderr).toContain('"stray"');
  });

  it("refuses -var for an undeclared variable", async () => {
    const r = await runCli(["plan", "keys.tf.json", "-var", "nope=1"], { env: env(), cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Value for undeclared variable");
    expect(r.stderr).toContain('"nope"');
  });

  it("refuses an HCL .tfvars file, saying only .tfvars.json is read", async () => {
    const r = await runCli(["plan", "keys.tf.json", "-var-file", "c.tfvars"], { env: env(), cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("only .tfvars.json");
  });

  it("reads a list value given with -var as JSON", async () => {
    const r = await runCli(["plan", "keys.tf.json", "-var", 'scopes=["keys:read"]'], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"keys:read"');
  });

  it("never prints a sensitive variable's value", async () => {
    const r = await runCli(["plan", "keys.tf.json", "-var", "token=hunter2-sensitive"], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("hunter2-sensitive");
  });

  it("applies with -var", async () => {
    const r = await runCli(["apply", "keys.tf.json", "--auto-approve", "-var", "suffix=applied"], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    const keys = (await api(srv.endpoint, srv.adminToken, "GET", "/v1/accounts/acme/keys?status=active")).body.keys.map((k: { name: string }) => k.name);
    expect(keys).toContain("svc-applied");
  });
});
