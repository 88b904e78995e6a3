/**
 * Runs the real cdktf CLI (`cdktf synth`) on each example and reads what it wrote the way the
 * reconciler does: manifest.json → stacks[name].synthesizedStackPath → cdk.tf.json.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { walk, type TfJson } from "./synth-helpers";
import { PROVIDER_VERSION } from "../../provider";

const ROOT = path.join(__dirname, "../..");
const CDKTF = path.join(ROOT, "node_modules/.bin/cdktf");
const SYNTH_TIMEOUT_MS = 90_000;
const outdirs: string[] = [];

afterAll(() => outdirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Synthesized {
  manifest: { version: string; stacks: Record<string, { synthesizedStackPath: string; name: string }> };
  stack: TfJson;
}

/** `cdktf synth --output <tmp>` in `cwd`; returns the manifest and the named stack's cdk.tf.json. */
function cdktfSynth(cwd: string, stackName: string, env: Record<string, string> = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "keyform-synth-"));
  outdirs.push(outdir);
  const run = spawnSync(CDKTF, ["synth", "--output", outdir], {
    cwd,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0", ...env },
    encoding: "utf8",
    timeout: SYNTH_TIMEOUT_MS,
  });
  if (run.status !== 0) throw new Error(`cdktf synth failed in ${cwd} (status ${run.status}, signal ${run.signal}):\n${run.stdout}\n${run.stderr}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const entry = manifest.stacks[stackName];
  if (!entry) throw new Error(`manifest has no stack ${stackName}: ${Object.keys(manifest.stacks).join(", ")}`);
  const stack = JSON.parse(fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8"));
  return { manifest, stack };
}

function expectNoToken(json: TfJson): void {
  expect([...walk(json)].filter((n) => n.key !== undefined && /token/i.test(n.key)).map((n) => n.path)).toEqual([]);
  expect(JSON.stringify(json)).not.toContain(TOKEN_IN_ENV);
}

// A token in the environment of the synth must never reach its output.
const TOKEN_IN_ENV = "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON";
const tokenEnv = { KEYFORM_TOKEN: TOKEN_IN_ENV };

let root: Synthesized | undefined;
/** The repository root's synth, run once and shared by the tests that read it. */
const rootSynth = () => (root ??= cdktfSynth(ROOT, "keys", tokenEnv));

describe("cdktf synth (real CLI) on the examples", () => {
  it(
    "repository root: cdktf.json points at examples/basic and writes stack keys",
    () => {
      const { manifest, stack } = rootSynth();
      expect(manifest.stacks.keys.synthesizedStackPath).toBe("stacks/keys/cdk.tf.json");
      expect(stack["//"].metadata).toMatchObject({ backend: "local", stackName: "keys", version: manifest.version });
      expect(stack["//"].outputs).toEqual({ keys: { ci_key: "ci_key", ci_key_id: "ci_key_id" } });
      expect(stack.provider).toEqual({ keyform: [{ account: "acme", endpoint: "http://127.0.0.1:8080" }] });
      expect(stack.terraform.required_providers).toEqual({ keyform: { source: "keyform/keyform", version: PROVIDER_VERSION } });
      expect(stack.resource.keyform_api_key.ci).toEqual({
        "//": { metadata: { path: "keys/ci", uniqueId: "ci" } },
        name: "github-actions",
        expires_in: "90d",
        scopes: ["keys:read", "alerts:send"],
      });
      expect(stack.output.ci_key).toMatchObject({ value: "${keyform_api_key.ci.secret}", sensitive: true });
      expect(stack.output.ci_key_id).toEqual({ value: "${keyform_api_key.ci.id}" });
      expectNoToken(stack);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    "examples/basic on its own cdktf.json writes the same stack",
    () => {
      const fromRoot = structuredClone(rootSynth().stack);
      const own = cdktfSynth(path.join(ROOT, "examples/basic"), "keys").stack;
      // Only the local backend's state path depends on the working directory.
      delete fromRoot.terraform.backend;
      delete own.terraform.backend;
      expect(own).toEqual(fromRoot);
    },
    2 * SYNTH_TIMEOUT_MS,
  );

  it(
    "examples/multi-tenant: for_each over tenants, a temp key, rotation, lifecycle, an aliased provider",
    () => {
      const { stack } = cdktfSynth(path.join(ROOT, "examples/multi-tenant"), "tenants", tokenEnv);
      const keys = stack.resource.keyform_api_key;
      expect(keys.tenant).toMatchObject({
        for_each: { acme: "1y", globex: "90d", initech: "30d" },
        name: "tenant-backend",
        account: "${each.key}",
        expires_in: "${each.value}",
      });
      expect(keys.onboarding).toMatchObject({ name: "onboarding", type: "temp" });
      expect(keys.onboarding.expires_in).toBeUndefined();
      expect(keys.webhooks).toMatchObject({ rotate_every: "90d", lifecycle: { create_before_destroy: true } });
      expect(keys.webhook_verifier).toMatchObject({
        depends_on: ["keyform_api_key.webhooks"],
        lifecycle: { replace_triggered_by: ["${keyform_api_key.webhooks}"] },
      });
      expect(keys.billing).toMatchObject({
        provider: "keyform.partner",
        lifecycle: { prevent_destroy: true, ignore_changes: ["scopes"] },
      });
      expect(stack.provider.keyform).toEqual([
        { account: "acme", endpoint: "http://127.0.0.1:8080" },
        { account: "umbrella", alias: "partner", endpoint: "http://127.0.0.1:8080" },
      ]);
      expect(stack.output.onboarding_key).toEqual({ value: "${keyform_api_key.onboarding.secret}", sensitive: true });
      expectNoToken(stack);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    "examples/import-legacy step 1 imports the legacy key by its keyform id",
    () => {
      const { stack } = cdktfSynth(path.join(ROOT, "examples/import-legacy"), "legacy", { ...tokenEnv, STEP: "1" });
      expect(stack.import).toEqual([{ id: "key_0LegacyPartnerKey0000000", to: "keyform_api_key.legacy", provider: "keyform" }]);
      expect(stack.moved).toBeUndefined();
      expect(Object.keys(stack.resource.keyform_api_key)).toEqual(["legacy"]);
      expect(stack.data.keyform_api_key.legacy_lookup).toMatchObject({ id: "key_0LegacyPartnerKey0000000" });
      expect(stack.output.legacy_key_masked).toEqual({ value: "${data.keyform_api_key.legacy_lookup.masked}" });
      expectNoToken(stack);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    "examples/import-legacy step 2 moves the resource to its new name and drops the import",
    () => {
      const { stack } = cdktfSynth(path.join(ROOT, "examples/import-legacy"), "legacy");
      expect(stack.moved).toEqual([{ from: "keyform_api_key.legacy", to: "keyform_api_key.partner_api" }]);
      expect(stack.import).toBeUndefined();
      expect(Object.keys(stack.resource.keyform_api_key)).toEqual(["partner_api"]);
      expect(stack.resource.keyform_api_key.partner_api).toMatchObject({ name: "partner-api", scopes: ["keys:read"], expires_in: "never" });
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    "an invalid literal fails cdktf synth with the schema's message",
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyform-bad-app-"));
      outdirs.push(dir);
      const main = path.join(dir, "main.ts");
      fs.writeFileSync(
        main,
        `import { App, TerraformStack } from "cdktf";
import { ApiKey, KeyformProvider } from ${JSON.stringify(path.join(ROOT, "provider"))};
const app = new App();
const stack = new TerraformStack(app, "bad");
new KeyformProvider(stack, "keyform", { account: "acme" });
new ApiKey(stack, "ci", { name: "ci", expiresIn: "45d" });
app.synth();
`,
      );
      fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app: `${path.join(ROOT, "node_modules/.bin/tsx")} main.ts`, output: "cdktf.out" }));
      // The app lives outside the repository; it finds cdktf where the provider does.
      expect(() => cdktfSynth(dir, "bad", { NODE_PATH: path.join(ROOT, "node_modules") })).toThrow(/expires_in "45d" must be one of 30d, 90d, 1y, 2y, never/);
    },
    SYNTH_TIMEOUT_MS,
  );
});
