import { statSync } from "node:fs";
import { join } from "node:path";
import { api, runCli, serveKeyform, type ServedKeyform } from "../support/cli";

describe("keyform CLI: serve, keys, verify (embedded SQLite)", () => {
  let srv: ServedKeyform;
  beforeAll(async () => {
    srv = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: "" } });
    expect((await api(srv.endpoint, srv.adminToken, "POST", "/v1/accounts", { id: "acme" })).status).toBe(201);
  });
  afterAll(async () => {
    expect(await srv.stop()).toBe(0);
  });

  const env = () => ({ KEYFORM_ENDPOINT: srv.endpoint, KEYFORM_TOKEN: srv.adminToken, KEYFORM_ACCOUNT: "acme" });

  it("generates the operator token once into a 0600 file and prints its path, not the token", () => {
    const file = join(srv.dir, ".keyform", "admin-token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(srv.logs()).toContain(file);
    expect(srv.logs()).not.toContain(srv.adminToken);
  });

  it("creates, lists, shows, verifies, regenerates and revokes keys", async () => {
    const created = await runCli(["keys", "create", "--name", "ci", "--expires-in", "90d", "--scope", "keys:read", "--json"], { env: env() });
    expect(created.code).toBe(0);
    const { key, secret } = JSON.parse(created.stdout);
    expect(secret).toMatch(/^kf_live_/);

    const list = await runCli(["keys", "list"], { env: env() });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(key.id);
    expect(list.stdout).toContain(key.masked);
    expect(list.stdout).not.toContain(secret);

    const show = await runCli(["keys", "show", key.id], { env: env() });
    expect(show.stdout).toMatch(/status\s+active/);

    const ok = await runCli(["verify", "-"], { env: env(), input: secret + "\n" });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`VALID ${key.id}`);

    const regen = await runCli(["keys", "regenerate", key.id, "--json"], { env: env() });
    const fresh = JSON.parse(regen.stdout).secret;
    expect(fresh).not.toBe(secret);
    const old = await runCli(["verify", secret], { env: env() });
    expect(old.code).toBe(1);
    expect(old.stdout.trim()).toBe("NOT_FOUND");

    expect((await runCli(["keys", "revoke", key.id], { env: env() })).code).toBe(0);
    expect((await runCli(["verify", fresh], { env: env() })).stdout.trim()).toBe("NOT_FOUND");
  });

  it("brings its own secret from stdin on create and regenerate (--secret -), never echoing a refused one", async () => {
    const { generateSecret } = await import("../../core/keys/secret-format");
    const own = generateSecret("kf", "live");
    const created = await runCli(["keys", "create", "--name", "byo-cli", "--secret", "-", "--json"], { env: env(), input: own + "\n" });
    expect(created.code).toBe(0);
    const { key } = JSON.parse(created.stdout);
    expect((await runCli(["verify", "-"], { env: env(), input: own })).stdout).toContain(`VALID ${key.id}`);
    const next = generateSecret("kf", "live");
    const regen = await runCli(["keys", "regenerate", key.id, "--secret", "-", "--grace-period", "1h", "--json"], { env: env(), input: next });
    expect(regen.code).toBe(0);
    expect((await runCli(["verify", next], { env: env() })).code).toBe(0);
    expect((await runCli(["verify", own], { env: env() })).code).toBe(0); // in its grace period
    const reused = await runCli(["keys", "create", "--name", "byo-again", "--secret", "-"], { env: env(), input: own });
    expect(reused.code).toBe(1);
    expect(reused.stderr).toContain("SECRET_IN_USE");
    expect(reused.stderr + reused.stdout).not.toContain(own);
  });

  it("exits 1 with the error code on refusals and with a clear message when the server is unreachable", async () => {
    const bad = await runCli(["keys", "create", "--name", "bad name"], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("VALIDATION_FAILED");
    const noAccount = await runCli(["keys", "list"], { env: { ...env(), KEYFORM_ACCOUNT: "" } });
    expect(noAccount.code).toBe(1);
    expect(noAccount.stderr).toContain("--account");
    const down = await runCli(["keys", "list", "--endpoint", "http://127.0.0.1:1"], { env: env() });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("cannot reach keyform");
    const revokeAll = await runCli(["keys", "revoke-all"], { env: env() });
    expect(revokeAll.code).toBe(1);
    expect(revokeAll.stderr).toContain("--yes");
  });

  it("stops gracefully on SIGTERM", async () => {
    const other = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: "t0ken-for-sigterm-test" } });
    expect(await other.stop("SIGTERM")).toBe(0);
    expect(other.logs()).toContain("shutting down");
  });
});
