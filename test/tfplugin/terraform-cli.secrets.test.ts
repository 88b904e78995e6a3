import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { Testing } from "cdktf";
import { WriteOnlyKeyStack } from "../../examples/terraform/cdktf/write-only";
import { installProvider } from "../../provider/plugin/install";
import { api } from "../support/cli";
import { unzipEntries } from "../support/zip";
import { ok, runTerraform, TERRAFORM, type Run } from "./terraform-runner";
import { startKeyformServer } from "./tfplugin-harness";

const EXAMPLES = resolve(__dirname, "../../examples/terraform");
/** Any keyform secret, live or temp, whoever generated it. */
const ANY_SECRET = /kf_(live|temp)_[0-9A-Za-z]{36}/g;
const describeWithTerraform = TERRAFORM ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!TERRAFORM) {
  // eslint-disable-next-line no-console
  console.warn("terraform is not on PATH: skipping the real-terraform tests of ephemeral and write-only secrets");
}

/** Every file under `dir` except `skip`, zip archives (saved plans) unpacked: where Terraform left things. */
function filesLeftBehind(dir: string, skip: string[] = []): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip.includes(p)) continue;
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      const bytes = readFileSync(p);
      if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
        for (const [entry, data] of unzipEntries(bytes)) out.push({ path: `${relative(dir, p)}!${entry}`, text: data.toString("latin1") });
      } else {
        out.push({ path: relative(dir, p), text: bytes.toString("latin1") });
      }
    }
  };
  walk(dir);
  return out;
}

/** Where any keyform secret (or one of the given values) occurs in what Terraform left behind. */
function secretsIn(files: Array<{ path: string; text: string }>, known: string[] = []): string[] {
  const hits: string[] = [];
  for (const f of files) {
    if (f.text.match(ANY_SECRET)) hits.push(`${f.path}: a keyform secret`);
    for (const k of known) if (f.text.includes(k)) hits.push(`${f.path}: a known secret`);
  }
  return hits;
}

describeWithTerraform(`real terraform (${TERRAFORM ?? "absent: skipped"}): secrets that never rest in state`, () => {
  jest.setTimeout(300_000);
  let server: Awaited<ReturnType<typeof startKeyformServer>>;
  let home: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startKeyformServer();
    await server.harness.account("acme");
    home = mkdtempSync(join(tmpdir(), "keyform-tf-home-"));
    writeFileSync(join(home, ".terraformrc"), "");
    installProvider({ version: "0.1.0", home });
  });
  afterAll(async () => {
    await server?.close();
    for (const d of [home, ...dirs]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const workdir = (example: string) => {
    const dir = mkdtempSync(join(tmpdir(), `keyform-tf-${example}-`));
    dirs.push(dir);
    cpSync(join(EXAMPLES, example, "main.tf"), join(dir, "main.tf"));
    return dir;
  };
  const terraform = (cwd: string, args: string[]): Promise<Run> =>
    runTerraform(args, { cwd, env: { HOME: home, KEYFORM_TOKEN: server.token, TF_VAR_keyform_endpoint: server.endpoint } });
  const verify = async (key: string) => (await api(server.endpoint, server.token, "POST", "/v1/verify", { key })).body;

  it("keyform_secret → secret_wo → consumer: the consumer's secret verifies; no state, plan file or plan JSON holds a secret; a version bump rotates with the overlap", async () => {
    const dir = workdir("write-only");
    const consumerFile = join(dir, "consumer.env");
    const vars = ["-var", `consumer_file=${consumerFile}`, "-var", "rotation_overlap=6s"];
    const consumerSecret = () => /^KEYFORM_API_KEY=(.*)$/m.exec(readFileSync(consumerFile, "utf8"))![1];
    ok(await terraform(dir, ["init", "-no-color"]));

    // A saved plan, its JSON rendering: no secret in either.
    const planned = ok(await terraform(dir, ["plan", "-no-color", "-out=create.tfplan", ...vars]));
    expect(planned.stdout).toContain("keyform_api_key.app will be created");
    expect(planned.stdout).toMatch(/secret_wo\s+= \(write-only attribute\)/);
    const planJson = ok(await terraform(dir, ["show", "-json", "create.tfplan"])).stdout;
    const change = JSON.parse(planJson).resource_changes.find((c: any) => c.address === "keyform_api_key.app");
    expect(change.change.actions).toEqual(["create"]);
    expect(change.change.after.secret_wo ?? null).toBeNull();
    expect(change.change.after.secret).toBeNull(); // known to stay null: the secret is the caller's
    expect(planJson.match(ANY_SECRET)).toBeNull();

    const applied = ok(await terraform(dir, ["apply", "-no-color", "create.tfplan"]));
    expect(applied.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    expect(applied.stdout).toContain("(output suppressed due to ephemeral value in config)");
    const first = consumerSecret();
    expect(first).toMatch(/^kf_live_[0-9A-Za-z]{36}$/);
    expect(statSync(consumerFile).mode & 0o777).toBe(0o600);
    const outputs = JSON.parse(ok(await terraform(dir, ["output", "-json"])).stdout);
    const keyId: string = outputs.app_key_id.value;
    expect(await verify(first)).toMatchObject({ valid: true, key_id: keyId, account: "acme" });
    expect(outputs.app_key_masked.value).toBe(`kf_live_${first.slice(8, 12)}…${first.slice(-4)}`);
    const state = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8"));
    const attrs = state.resources.find((r: any) => r.type === "keyform_api_key").instances[0].attributes;
    expect(attrs).toMatchObject({ id: keyId, secret: null, secret_wo: null, secret_wo_version: 1, rotation_overlap: "6s" });
    const leftBehind = filesLeftBehind(dir, [consumerFile]);
    expect(leftBehind.map((f) => f.path)).toEqual(expect.arrayContaining(["terraform.tfstate", "create.tfplan!tfplan", "create.tfplan!tfstate"]));
    expect(secretsIn(leftBehind, [first])).toEqual([]);
    // The scan does find a secret where there is one: the consumer's file.
    expect(secretsIn(filesLeftBehind(dir), [first])).toEqual(["consumer.env: a keyform secret", "consumer.env: a known secret"]);

    // Nothing to do on the next run, though keyform_secret opens with a new value each time.
    const same = await terraform(dir, ["plan", "-no-color", "-detailed-exitcode", ...vars]);
    expect(same.code).toBe(0);

    // Rotate: a saved plan shows an in-place update (same id) with the overlap note.
    const bumpPlan = ok(await terraform(dir, ["plan", "-no-color", "-out=rotate.tfplan", ...vars, "-var", "secret_version=2"]));
    expect(bumpPlan.stdout).toContain("keyform_api_key.app will be updated in-place");
    expect(bumpPlan.stdout).toMatch(/~ secret_wo_version\s+= 1 -> 2/);
    expect(bumpPlan.stdout.replace(/\s+/g, " ")).toContain("the old secret stays valid until 6s after apply");
    const bumpJson = ok(await terraform(dir, ["show", "-json", "rotate.tfplan"])).stdout;
    expect(JSON.parse(bumpJson).resource_changes.find((c: any) => c.address === "keyform_api_key.app").change.actions).toEqual(["update"]);
    expect(bumpJson.match(ANY_SECRET)).toBeNull();
    ok(await terraform(dir, ["apply", "-no-color", "rotate.tfplan"]));
    const second = consumerSecret();
    expect(second).not.toBe(first);
    // Both valid during the overlap, on the same key; the old one refused after it.
    expect(await verify(second)).toMatchObject({ valid: true, key_id: keyId });
    expect(await verify(first)).toMatchObject({ valid: true, key_id: keyId });
    await sleep(7_500);
    expect((await verify(first)).code).toBe("NOT_FOUND");
    expect(await verify(second)).toMatchObject({ valid: true, key_id: keyId });
    expect(JSON.parse(ok(await terraform(dir, ["output", "-json"])).stdout).app_key_id.value).toBe(keyId);
    expect(secretsIn(filesLeftBehind(dir, [consumerFile]), [first, second])).toEqual([]);

    const destroyed = ok(await terraform(dir, ["destroy", "-auto-approve", "-no-color", ...vars, "-var", "secret_version=2"]));
    expect(destroyed.stdout).toContain("Destroy complete!");
    expect((await verify(second)).code).toBe("NOT_FOUND");
  });

  it("cdktf: the write-only stack (ephemeral block by addOverride) synthesizes JSON that terraform applies without a secret in state", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyform-tf-cdktf-wo-"));
    dirs.push(dir);
    const json = JSON.parse(Testing.synth(new WriteOnlyKeyStack(Testing.app(), "wo")));
    expect(json.ephemeral).toEqual({ keyform_secret: { app: {} } });
    expect(json.resource.keyform_api_key.app).toMatchObject({ secret_wo: "${ephemeral.keyform_secret.app.value}", secret_wo_version: "${var.secret_version}" });
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify(json));
    ok(await terraform(dir, ["init", "-no-color"]));
    ok(await terraform(dir, ["apply", "-auto-approve", "-no-color"]));
    const keyId = JSON.parse(ok(await terraform(dir, ["output", "-json"])).stdout).app_key_id.value;
    expect((await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${keyId}`)).body.key).toMatchObject({ name: "app-backend", status: "active" });
    expect(secretsIn(filesLeftBehind(dir))).toEqual([]);
    ok(await terraform(dir, ["destroy", "-auto-approve", "-no-color"]));
  });

  it("keyform_temp_key configures a second keyform provider for the run and is revoked when the run ends", async () => {
    const dir = workdir("temp-key");
    const target = (await api(server.endpoint, server.token, "POST", "/v1/accounts/acme/keys", { name: "app-backend", scopes: ["alerts:send"] })).body;
    ok(await terraform(dir, ["init", "-no-color"]));
    const applied = ok(await terraform(dir, ["apply", "-auto-approve", "-no-color"]));
    expect(applied.stdout).toContain("ephemeral.keyform_temp_key.run: Closing complete");
    // Read through the temp key: it worked as the second provider's credential.
    expect(JSON.parse(ok(await terraform(dir, ["output", "-json"])).stdout).app_key_masked.value).toBe(target.key.masked);

    const temps = (await api(server.endpoint, server.token, "GET", "/v1/accounts/acme/keys?type=temp")).body.keys.filter((k: any) => k.name === "terraform-run");
    expect(temps.length).toBeGreaterThanOrEqual(2); // one per phase that opened it: plan and apply
    expect(temps.map((k: any) => k.status)).toEqual(temps.map(() => "revoked"));
    expect(temps.some((k: any) => k.uses > 0)).toBe(true);
    expect(secretsIn(filesLeftBehind(dir))).toEqual([]);
  });
});
