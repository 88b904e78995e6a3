import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { inactiveSecrets } from "../../server/cli/commands/output";
import type { CliIO } from "../../server/cli/io";
import { api, runCli, serveKeyform, type ServedKeyform } from "../support/cli";

/** `keyform output` and the secret of a key that is no longer active: refused unless --allow-inactive. */
describe("keyform output: secrets of keys that are no longer active", () => {
  let srv: ServedKeyform;
  let work: string;
  beforeAll(async () => {
    // A temp key is used up after one verification.
    srv = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: "cli-inactive-operator-token", KEYFORM_TEMP_KEY_MAX_USES: "1" } });
    expect((await api(srv.endpoint, srv.adminToken, "POST", "/v1/accounts", { id: "acme" })).status).toBe(201);
    work = mkdtempSync(join(tmpdir(), "keyform-cli-inactive-"));
  });
  afterAll(async () => {
    await srv.stop();
  });

  const env = () => ({ KEYFORM_TOKEN: srv.adminToken, KEYFORM_ENDPOINT: srv.endpoint });
  async function applyStack(stack: string, resources: Record<string, unknown>, outputs: Record<string, unknown>): Promise<void> {
    writeFileSync(
      join(work, `${stack}.tf.json`),
      JSON.stringify({ "//": { metadata: { stackName: stack } }, provider: { keyform: [{ account: "acme" }] }, resource: { keyform_api_key: resources }, output: outputs }),
    );
    const r = await runCli(["apply", `${stack}.tf.json`, "--auto-approve"], { env: env(), cwd: work });
    expect(r.code).toBe(0);
  }
  const outputs = (stack: string) => JSON.parse(readFileSync(join(work, ".keyform", "outputs", `${stack}.json`), "utf8"));

  it("records which key a secret output comes from", async () => {
    await applyStack("rec", { k: { name: "rec-k" } }, { s: { value: "${keyform_api_key.k.secret}", sensitive: true }, m: { value: "${keyform_api_key.k.masked}" } });
    const file = outputs("rec");
    expect(file.s.secret_of).toEqual([{ account: "acme", id: expect.stringMatching(/^key_/), type: "live", expires_at: null }]);
    expect(file.m.secret_of).toBeUndefined();
    // `--json` keeps terraform's shape
    const json = JSON.parse((await runCli(["output", "--json", "--stack", "rec"], { env: env(), cwd: work })).stdout);
    expect(Object.keys(json.s).sort()).toEqual(["sensitive", "type", "value"]);
  });

  it("refuses the secret of a revoked key: non-zero exit, names the key and its status, prints nothing", async () => {
    await applyStack("rev", { k: { name: "rev-k" } }, { s: { value: "${keyform_api_key.k.secret}", sensitive: true } });
    const id: string = outputs("rev").s.secret_of[0].id;
    expect((await api(srv.endpoint, srv.adminToken, "DELETE", `/v1/accounts/acme/keys/${id}`)).status).toBe(204);
    const r = await runCli(["output", "s", "--raw", "--stack", "rev"], { env: env(), cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("KEY_INACTIVE");
    expect(r.stderr).toContain(id);
    expect(r.stderr).toContain("revoked");
  });

  it("prints it with a warning under --allow-inactive", async () => {
    const id: string = outputs("rev").s.secret_of[0].id;
    const r = await runCli(["output", "s", "--raw", "--stack", "rev", "--allow-inactive"], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kf_live_[0-9A-Za-z]{36}$/);
    expect(r.stderr).toContain("Warning");
    expect(r.stderr).toContain(id);
    expect(r.stderr).toContain("revoked");
  });

  it("refuses the secret of a used-up temp key", async () => {
    await applyStack("tmp", { t: { name: "tmp-k", type: "temp" } }, { s: { value: "${keyform_api_key.t.secret}", sensitive: true } });
    const secret = (await runCli(["output", "s", "--raw", "--stack", "tmp"], { env: env(), cwd: work })).stdout;
    expect(secret).toMatch(/^kf_temp_/);
    expect((await api(srv.endpoint, srv.adminToken, "POST", "/v1/verify", { key: secret })).body.code).toBe("VALID");
    const r = await runCli(["output", "s", "--format", "shell", "--stack", "tmp"], { env: env(), cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("KEY_INACTIVE");
    expect(r.stderr).toContain("exhausted");
  });

  it("still hands on the secret of an active key", async () => {
    const r = await runCli(["output", "s", "--raw", "--stack", "rec"], { env: env(), cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kf_live_/);
  });
});

describe("inactiveSecrets: expiry is judged without the server", () => {
  const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
  const io = { env: {}, cwd: "/", stdout: sink(), stderr: sink() } as unknown as CliIO;

  it("finds a key past its expires_at (a temp key after its few minutes)", async () => {
    const entry = { sensitive: true, type: "string", value: "x", secret_of: [{ account: "acme", id: "key_a", type: "temp", expires_at: "2026-01-01T00:05:00.000Z" }] };
    const found = await inactiveSecrets(io, [["s", entry]], Date.parse("2026-01-01T00:05:01Z"));
    expect(found).toEqual([expect.objectContaining({ output: "s", status: "expired", key: expect.objectContaining({ id: "key_a" }) })]);
  });

  it("finds nothing before expires_at", async () => {
    const entry = { sensitive: true, type: "string", value: "x", secret_of: [{ account: "acme", id: "key_a", type: "temp", expires_at: "2026-01-01T00:05:00.000Z" }] };
    expect(await inactiveSecrets(io, [["s", entry]], Date.parse("2026-01-01T00:04:00Z"))).toEqual([]);
  });
});
