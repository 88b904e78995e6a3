import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

export interface InstallProviderOptions {
  /** Provider version to install as, e.g. "0.1.0" (what `required_providers` pins). */
  version: string;
  /** Home directory whose `.terraform.d/plugins` Terraform searches. Default: the user's. */
  home?: string;
  /** Terraform target platform, e.g. linux_amd64. Default: this machine's. */
  target?: string;
  /** Node executable the wrapper runs. Default: the one running this code. */
  nodePath?: string;
  /** Plugin entry point. Default: main.js beside this module, or main.ts through tsx when run from source. */
  entry?: string;
}

export interface InstalledProvider {
  /** The wrapper executable Terraform starts. */
  path: string;
  /** Its directory: `<home>/.terraform.d/plugins/registry.terraform.io/keyform/keyform/<version>/<target>`. */
  dir: string;
}

export const PROVIDER_ADDRESS = { hostname: "registry.terraform.io", namespace: "keyform", type: "keyform" } as const;

/** Terraform's name for this machine's platform (`linux_amd64`, `darwin_arm64`, …). */
export function terraformTarget(platform: string = process.platform, arch: string = process.arch): string {
  const a = ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" } as Record<string, string>)[arch] ?? arch;
  return `${platform === "win32" ? "windows" : platform}_${a}`;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Places an executable wrapper for terraform-provider-keyform in Terraform's implied local mirror
 * (`~/.terraform.d/plugins/...`, the "unpacked" layout), so that `terraform init` and `cdktf deploy`
 * find provider keyform/keyform without a registry. The wrapper runs Node on this package's plugin
 * entry point by absolute path, so it works from any working directory.
 */
export function installProvider(opts: InstallProviderOptions): InstalledProvider {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(opts.version)) throw new Error(`version must be semantic (e.g. 0.1.0), got "${opts.version}"`);
  const home = opts.home ?? homedir();
  const target = opts.target ?? terraformTarget();
  const dir = join(home, ".terraform.d", "plugins", PROVIDER_ADDRESS.hostname, PROVIDER_ADDRESS.namespace, PROVIDER_ADDRESS.type, opts.version, target);
  const node = opts.nodePath ?? process.execPath;
  const command = pluginCommand(opts.entry);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `terraform-provider-keyform_v${opts.version}`);
  const script = [
    "#!/bin/sh",
    "# terraform-provider-keyform, installed by `keyform provider install`. Terraform starts this file.",
    `exec ${[node, ...command].map(shellQuote).join(" ")} "$@"`,
    "",
  ].join("\n");
  writeFileSync(path, script, { mode: 0o755 });
  chmodSync(path, 0o755);
  return { path, dir };
}

/** Arguments after `node`: the compiled plugin, or the TypeScript source run through tsx. */
function pluginCommand(entry?: string): string[] {
  const chosen = entry ? resolve(entry) : existsSync(join(__dirname, "main.js")) ? join(__dirname, "main.js") : join(__dirname, "main.ts");
  if (!existsSync(chosen)) throw new Error(`plugin entry point not found: ${chosen} (run npm run build)`);
  return chosen.endsWith(".ts") ? ["--require", require.resolve("tsx/cjs"), chosen] : [chosen];
}

/** The `dev_overrides` alternative: a CLI configuration block that points Terraform at a directory. */
export function devOverridesConfig(installedDir: string): string {
  return `provider_installation {\n  dev_overrides {\n    "keyform/keyform" = ${JSON.stringify(installedDir)}\n  }\n  direct {}\n}\n`;
}

/** The keyform package version: the default version to install the provider as. */
export function packageVersion(): string {
  for (let dir = __dirname, i = 0; i < 5; dir = dirname(dir), i++) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "keyform" && pkg.version) return pkg.version;
  }
  return "0.1.0";
}

interface CommandIO {
  stdout: { write(s: string): unknown };
}

/**
 * `keyform provider install [--version V] [--home DIR] [--dev-overrides]`, for the keyform CLI to mount:
 * `registerProviderCommands(program, io, run)` with the other commands in server/cli/commands/index.ts.
 */
export function registerProviderCommands(program: Command, io: CommandIO, run: (fn: () => Promise<number | void>) => void): void {
  const provider = program.command("provider").description("The keyform Terraform provider (terraform-provider-keyform)");
  provider
    .command("install")
    .description("Install terraform-provider-keyform into Terraform's local plugin directory, so `terraform init` finds keyform/keyform offline")
    .option("--version <version>", "version to install as (what required_providers pins)", packageVersion())
    .option("--home <dir>", "home directory holding .terraform.d", homedir())
    .option("--dev-overrides", "also print a dev_overrides block for ~/.terraformrc")
    .action((o: { version: string; home: string; devOverrides?: boolean }) =>
      run(async () => {
        const installed = installProvider({ version: o.version, home: o.home });
        io.stdout.write(`Installed keyform/keyform ${o.version}: ${installed.path}\n`);
        io.stdout.write(`In Terraform: required_providers { keyform = { source = "keyform/keyform", version = "${o.version}" } }\n`);
        if (o.devOverrides) io.stdout.write(`\n# ~/.terraformrc (skips terraform init for keyform/keyform)\n${devOverridesConfig(installed.dir)}`);
        return 0;
      }),
    );
}
