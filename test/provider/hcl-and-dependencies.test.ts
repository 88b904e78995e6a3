import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { ApiKey, DataKeyformApiKey } from "../../provider";
import { acmeProvider } from "./synth-helpers";

const ROOT = path.join(__dirname, "../..");

describe("cdktf synth --hcl", () => {
  it("renders the provider, resource, data source and output blocks through synthesizeHclAttributes", () => {
    const stack = new TerraformStack(Testing.app(), "keys");
    acmeProvider(stack);
    const ci = new ApiKey(stack, "ci", { name: "github-actions", type: "live", expiresIn: "90d", scopes: ["keys:read", "alerts:send"], rotateEvery: "90d" });
    new DataKeyformApiKey(stack, "legacy", { id: "key_0LegacyPartnerKey0000000", account: "acme" });
    new TerraformOutput(stack, "ci_key", { value: ci.secret, sensitive: true });
    const hcl = Testing.synthHcl(stack, true).replace(/\n\s*/g, "\n");
    expect(hcl).toContain('provider "keyform" {\nendpoint = "http://127.0.0.1:8080"\naccount = "acme"\n}');
    expect(hcl).toContain(
      'resource "keyform_api_key" "ci" {\nname = "github-actions"\ntype = "live"\nexpires_in = "90d"\nscopes = [\n"keys:read",\n"alerts:send"\n]\nrotate_every = "90d"\n}',
    );
    expect(hcl).toContain('data "keyform_api_key" "legacy" {\nid = "key_0LegacyPartnerKey0000000"\naccount = "acme"\n}');
    expect(hcl).toContain('source = "keyform/keyform"');
    expect(hcl).not.toMatch(/token/i);
  });
});

describe("provider/ runtime dependencies", () => {
  it("loading provider/ pulls in cdktf and constructs only: no typeorm, express or other server packages", () => {
    const script = `require("./provider");
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const run = spawnSync(process.execPath, ["-r", "tsx/cjs", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(0);
    const loaded: string[] = JSON.parse(run.stdout);
    // Top-level packages only: cdktf bundles its own dependencies under node_modules/cdktf/node_modules.
    const topLevel = path.join(ROOT, "node_modules");
    const packages = new Set(
      loaded.filter((f) => f.startsWith(topLevel + path.sep)).map((f) => {
        const [first, second] = path.relative(topLevel, f).split(path.sep);
        return first.startsWith("@") ? `${first}/${second}` : first;
      }),
    );
    packages.delete("tsx");
    packages.delete("esbuild");
    expect([...packages].sort()).toEqual(["cdktf", "constructs"]);
    const ownFiles = loaded.filter((f) => !f.includes("/node_modules/")).map((f) => path.relative(ROOT, f));
    expect(ownFiles.filter((f) => !f.startsWith("provider/") && !f.startsWith("core/") && !f.startsWith("server/keys/") && !f.startsWith("server/errors/") && !f.startsWith("server/auth/"))).toEqual([]);
    expect(ownFiles).not.toContain("server/keys/key.entity.ts");
  });
});
