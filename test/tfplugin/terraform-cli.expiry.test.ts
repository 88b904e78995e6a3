import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installProvider } from "../../provider/plugin/install";
import { api } from "../support/cli";
import { ok, runTerraform, TERRAFORM, type Run } from "./terraform-runner";
import { startKeyformServer } from "./tfplugin-harness";

const describeWithTerraform = TERRAFORM ? describe : describe.skip;
const HOUR = 3600_000;

/**
 * A key whose fixed expires_at has passed: terraform plan warns about it (no new key can be made with
 * that expires_at) without holding up other resources, and terraform destroy revokes it.
 */
describeWithTerraform("real terraform: a key whose configured expires_at has passed", () => {
  jest.setTimeout(300_000);
  // The server's clock: 2 hours behind at first, so the key can be made with an expires_at that is
  // already past for terraform (whose clock is the real one); then moved to the real time.
  let offset = -2 * HOUR;
  let server: Awaited<ReturnType<typeof startKeyformServer>>;
  let home: string;
  let work: string;
  const pastAt = new Date(Date.now() - HOUR).toISOString();

  const mainTf = (otherScopes: string[]) => `
terraform {
  required_providers {
    keyform = { source = "keyform/keyform", version = "0.1.0" }
  }
}
variable "keyform_endpoint" { type = string }
provider "keyform" {
  endpoint = var.keyform_endpoint
  account  = "acme"
}
resource "keyform_api_key" "old" {
  name       = "old"
  expires_at = "${pastAt}"
}
resource "keyform_api_key" "other" {
  name   = "other"
  scopes = ${JSON.stringify(otherScopes)}
}
`;

  beforeAll(async () => {
    server = await startKeyformServer({ clock: () => Date.now() + offset });
    await server.harness.account("acme");
    home = mkdtempSync(join(tmpdir(), "keyform-tf-home-"));
    work = mkdtempSync(join(tmpdir(), "keyform-tf-work-"));
    writeFileSync(join(home, ".terraformrc"), "");
    installProvider({ version: "0.1.0", home });
  });
  afterAll(async () => {
    await server?.close();
    for (const d of [home, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  function terraform(args: string[]): Promise<Run> {
    return runTerraform(args, { cwd: work, timeoutMs: 120_000, env: { HOME: home, KEYFORM_TOKEN: server.token, TF_VAR_keyform_endpoint: server.endpoint } });
  }

  /** Makes the expired key: created while the server's clock is behind, imported, then the clock catches up. */
  async function expiredKeyInState(): Promise<string> {
    writeFileSync(join(work, "main.tf"), mainTf(["keys:read"]));
    ok(await terraform(["init", "-no-color"]));
    offset = -2 * HOUR;
    const made = await api(server.endpoint, server.token, "POST", "/v1/accounts/acme/keys", { name: "old", expires_at: pastAt });
    expect(made.status).toBe(201);
    const id: string = (made.body as { key: { id: string } }).key.id;
    ok(await terraform(["import", "-no-color", "keyform_api_key.old", `acme/${id}`]));
    offset = 0;
    const shown = await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${id}`);
    expect((shown.body as { key: { status: string } }).key.status).toBe("expired");
    return id;
  }

  it("plan warns and keeps the expired key; another resource's change still applies", async () => {
    const id = await expiredKeyInState();
    const apply = ok(await terraform(["apply", "-auto-approve", "-no-color"]));
    expect(apply.stdout + apply.stderr).toContain("Expired key not replaced");
    expect(apply.stdout).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    const same = ok(await terraform(["plan", "-no-color"]));
    expect(same.stdout).toContain("No changes.");
    writeFileSync(join(work, "main.tf"), mainTf(["alerts:send"]));
    const update = ok(await terraform(["apply", "-auto-approve", "-no-color"]));
    expect(update.stdout).toContain("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.");
    const state = JSON.parse(ok(await terraform(["show", "-json"])).stdout);
    expect(state.values.root_module.resources.find((r: { address: string }) => r.address === "keyform_api_key.old").values.id).toBe(id);
  });

  it("terraform destroy revokes the expired key instead of failing on its past expires_at", async () => {
    const state = JSON.parse(ok(await terraform(["show", "-json"])).stdout);
    const id: string = state.values.root_module.resources.find((r: { address: string }) => r.address === "keyform_api_key.old").values.id;
    const destroy = await terraform(["destroy", "-auto-approve", "-no-color"]);
    expect(destroy.stderr).not.toContain("expires_at must be");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain("Destroy complete! Resources: 2 destroyed.");
    const shown = await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${id}`);
    expect((shown.body as { key: { status: string } }).key.status).toBe("revoked");
  });

  it("refuses to create a new key with a past expires_at (error at plan)", async () => {
    const plan = await terraform(["plan", "-no-color"]);
    expect(plan.code).not.toBe(0);
    expect(plan.stderr).toContain("Invalid expires_at");
    expect(plan.stderr).toContain("in the future");
  });
});
