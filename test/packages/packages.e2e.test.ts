import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * keyform as a user gets it: the three packages packed with `npm pack`, installed by name into a scratch
 * project outside the checkout (nothing there points into it), then used as the README says: `npx keyform
 * serve`, a cdktf app importing `@keyform/cdktf` synthesized and applied with `npx keyform`, and an
 * Express service whose route `requireKey` from `@keyform/client` guards with the applied key.
 * Needs the npm registry (or npm's cache) for the packages' own dependencies.
 */
const ROOT = resolve(__dirname, "../..");
const ADMIN = "packages-e2e-operator-token-0123456789";

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

describe("the packages, installed into a project of a user's own", () => {
  const work = mkdtempSync(join(tmpdir(), "keyform-packages-"));
  const packs = join(work, "packs");
  const project = join(work, "project");
  const procs: ChildProcess[] = [];
  let endpoint = "";
  let env: NodeJS.ProcessEnv = {};

  const run = (cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeout = 120_000) => {
    const r = spawnSync(cmd, args, { cwd: project, env: { ...env, ...extraEnv }, encoding: "utf8", timeout });
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(endpoint + path, { method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  /** Starts a long-running process of the project and waits for `ready` in its output. */
  const start = (args: string[], extraEnv: NodeJS.ProcessEnv, ready: RegExp) =>
    new Promise<RegExpMatchArray>((res, rej) => {
      // Its own process group: npx runs the bin through a shell, and stopping must reach all of them.
      const p = spawn(args[0], args.slice(1), { cwd: project, env: { ...env, ...extraEnv }, detached: true });
      procs.push(p);
      let out = "";
      const onData = (d: Buffer) => {
        out += d.toString("utf8");
        const m = out.match(ready);
        if (m) res(m);
      };
      p.stdout!.on("data", onData);
      p.stderr!.on("data", onData);
      p.once("exit", (code) => rej(new Error(`${args.join(" ")} exited with ${code}:\n${out}`)));
      setTimeout(() => rej(new Error(`${args.join(" ")} not ready after 60 s:\n${out}`)), 60_000).unref();
    });

  beforeAll(async () => {
    mkdirSync(packs);
    mkdirSync(project);
    // The built packages (npm test builds first), packed as `npm publish` would.
    const packed = spawnSync("npm", ["pack", "--workspaces", "--include-workspace-root", "--ignore-scripts", "--pack-destination", packs], { cwd: ROOT, encoding: "utf8" });
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
    // better-sqlite3's install fetches a prebuilt binary from GitHub, which this machine cannot reach, and
    // then compiles SQLite (minutes). prebuild-install also takes a local prebuild: the one this checkout
    // already built, packed under the file name it looks for. (Without it the install still works, slowly.)
    const prebuilds = join(work, "prebuilds");
    mkdirSync(prebuilds);
    const sqlite = JSON.parse(readFileSync(join(ROOT, "node_modules/better-sqlite3/package.json"), "utf8")) as { version: string };
    const prebuilt = `better-sqlite3-v${sqlite.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    spawnSync("tar", ["-czf", join(prebuilds, prebuilt), "-C", join(ROOT, "node_modules/better-sqlite3"), "build/Release/better_sqlite3.node"]);
    env = {
      npm_config_better_sqlite3_local_prebuilds: prebuilds,
      PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache, npm_config_nodedir: process.env.npm_config_nodedir,
      CHECKPOINT_DISABLE: "1", XDG_STATE_HOME: join(work, "state"),
      // swagger-ui-dist's dependency @scarf/scarf reports installs from a postinstall script; without a
      // route to its server that script waits for minutes. Its documented opt-out:
      SCARF_ANALYTICS: "false",
    };
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "acme-infra", version: "1.0.0", private: true }));
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    const install = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs, "cdktf@0.21", "constructs@10", "express@5"], {}, 900_000);
    if (install.code !== 0) throw new Error(`npm install in the scratch project failed:\n${install.stderr.slice(-4000)}`);
  }, 1_000_000);

  afterAll(async () => {
    await Promise.all(
      procs.map((p) => new Promise<void>((res) => {
        if (p.exitCode !== null || p.signalCode !== null) return res();
        p.once("exit", () => res());
        try {
          process.kill(-p.pid!, "SIGTERM");
        } catch {
          res();
        }
      })),
    );
    rmSync(work, { recursive: true, force: true });
  });

  it("packs three packages: the constructs and the client carry nothing of the server", () => {
    expect(readdirSync(packs).sort()).toEqual(["keyform-0.1.0.tgz", "keyform-cdktf-0.1.0.tgz", "keyform-client-0.1.0.tgz"]);
    const files = (tgz: string) => spawnSync("tar", ["tzf", join(packs, tgz)], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    for (const tgz of ["keyform-cdktf-0.1.0.tgz", "keyform-client-0.1.0.tgz"]) {
      expect(files(tgz).filter((f) => f.includes("/server/") || f.includes("/plugin/"))).toEqual([]);
    }
    expect(files("keyform-0.1.0.tgz")).toEqual(expect.arrayContaining(["package/dist/server/cli/main.js", "package/dist/provider/plugin/main.js", "package/dist/provider/plugin/proto/tfplugin6.proto", "package/dist/console/index.html"]));
  });

  it("npx keyform --version prints the package's version", () => {
    expect(run("npx", ["keyform", "--version"]).stdout.trim()).toBe("0.1.0");
  });

  it("npx keyform serve runs keyform on embedded SQLite with nothing else to set up", async () => {
    const port = await freePort();
    await start(["npx", "keyform", "serve", "--port", String(port)], { KEYFORM_ADMIN_TOKEN: ADMIN }, /listening on (http:\/\/\S+)/);
    endpoint = `http://127.0.0.1:${port}`;
    env = { ...env, KEYFORM_ENDPOINT: endpoint, KEYFORM_TOKEN: ADMIN };
    expect((await api("POST", "/v1/accounts", { id: "shop" })).status).toBe(201);
  }, 120_000);

  let secret = "";
  it("synthesizes a cdktf app that imports @keyform/cdktf by name, then plans and applies it with npx keyform", () => {
    writeFileSync(
      join(project, "main.js"),
      `const { App, TerraformOutput, TerraformStack } = require("cdktf");
const { ApiKey, KeyformProvider } = require("@keyform/cdktf");
class Keys extends TerraformStack {
  constructor(scope, id) {
    super(scope, id);
    new KeyformProvider(this, "keyform", { account: "shop" });
    const api = new ApiKey(this, "storefront", { name: "storefront", scopes: ["orders:read"], expiresIn: "90d" });
    new TerraformOutput(this, "storefront_key", { value: api.secret, sensitive: true });
  }
}
const app = new App({ outdir: "cdktf.out" });
new Keys(app, "shop-keys");
app.synth();
`,
    );
    expect(run("node", ["main.js"]).code).toBe(0);
    const plan = run("npx", ["keyform", "plan", "cdktf.out", "--detailed-exitcode"]);
    expect([plan.code, plan.stdout]).toEqual([2, expect.stringContaining("# keyform_api_key.storefront will be created")]);
    const apply = run("npx", ["keyform", "apply", "cdktf.out", "--auto-approve"]);
    expect([apply.code, apply.stdout]).toEqual([0, expect.stringContaining("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")]);
    expect(apply.stdout).not.toMatch(/kf_live_[0-9A-Za-z]{36}/);
    const out = run("npx", ["keyform", "output", "storefront_key", "--raw", "--stack", "shop-keys"]);
    expect(out.code).toBe(0);
    secret = out.stdout.trim();
    expect(secret).toMatch(/^kf_live_[0-9A-Za-z]{36}$/);
  }, 180_000);

  it("guards an Express route with requireKey from @keyform/client, using the applied key", async () => {
    const verifier = await api("POST", "/v1/accounts/shop/keys", { name: "verifier", scopes: ["keys:verify"] });
    const other = await api("POST", "/v1/accounts/shop/keys", { name: "no-orders", scopes: ["billing:read"] });
    writeFileSync(
      join(project, "app.js"),
      `const express = require("express");
const { KeyformClient, requireKey } = require("@keyform/client");
const client = new KeyformClient({ endpoint: process.env.KEYFORM_ENDPOINT, token: process.env.VERIFY_TOKEN });
const app = express();
app.get("/orders", requireKey({ client, scopes: ["orders:read"] }), (req, res) => res.json({ account: req.keyform.account, key: req.keyform.keyId }));
const server = app.listen(0, "127.0.0.1", () => console.log("PORT " + server.address().port));
`,
    );
    const [, port] = await start(["node", "app.js"], { VERIFY_TOKEN: verifier.body.secret }, /PORT (\d+)/);
    const get = async (headers: Record<string, string>) => {
      const res = await fetch(`http://127.0.0.1:${port}/orders`, { headers });
      return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown> };
    };
    expect(await get({ authorization: `Bearer ${secret}` })).toMatchObject({ status: 200, body: { account: "shop" } });
    expect(await get({})).toMatchObject({ status: 401, type: expect.stringContaining("application/problem+json"), body: { code: "UNAUTHORIZED" } });
    expect(await get({ "x-api-key": other.body.secret })).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect(await get({ authorization: "Bearer kf_live_000000000000000000000000000000000000" })).toMatchObject({ status: 401 });
  }, 120_000);
});
