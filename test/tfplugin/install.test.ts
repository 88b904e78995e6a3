import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { devOverridesConfig, installProvider, packageVersion, registerProviderCommands, terraformTarget } from "../../provider/plugin/install";

describe("keyform provider install", () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), "keyform-install-"))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("writes an executable wrapper into Terraform's implied local mirror, running node on the plugin by absolute path", () => {
    const { path, dir } = installProvider({ version: "1.2.3", home });
    expect(dir).toBe(join(home, ".terraform.d/plugins/registry.terraform.io/keyform/keyform/1.2.3", terraformTarget()));
    expect(path).toBe(join(dir, "terraform-provider-keyform_v1.2.3"));
    expect(statSync(path).mode & 0o111).toBe(0o111);
    const script = readFileSync(path, "utf8");
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    expect(script).toContain(`exec '${process.execPath}'`);
    expect(script).toMatch(/'\/[^']+\/provider\/plugin\/main\.(js|ts)' "\$@"/);
  });

  it("refuses a version Terraform could not pin", () => {
    expect(() => installProvider({ version: "latest", home })).toThrow(/semantic/);
  });

  it("maps Node's platform names to Terraform's", () => {
    expect(terraformTarget("linux", "x64")).toBe("linux_amd64");
    expect(terraformTarget("darwin", "arm64")).toBe("darwin_arm64");
  });

  it("is a `provider install` command the keyform CLI can mount", async () => {
    let out = "";
    let pending: Promise<number | void> = Promise.resolve();
    const program = new Command("keyform").exitOverride();
    registerProviderCommands(program, { stdout: { write: (s: string) => (out += s) } }, (fn) => (pending = fn()));
    await program.parseAsync(["provider", "install", "--home", home, "--dev-overrides"], { from: "user" });
    expect(await pending).toBe(0);
    expect(out).toContain(`Installed keyform/keyform ${packageVersion()}`);
    expect(out).toContain('"keyform/keyform" =');
    expect(devOverridesConfig("/x")).toContain("dev_overrides");
  });
});
