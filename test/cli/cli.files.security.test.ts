/**
 * The CLI's files as a pull-request author (symlinks, manifest paths, committed outputs) and a local
 * user on a shared runner (pre-created temp files and links) would attack them. The CLI runs as a
 * child process against a real `keyform serve`; a recording listener proves nothing was sent.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, runCli, serveKeyform, type ServedKeyform } from "../support/cli";
import { recorder } from "../support/recorder";

const TOKEN = "cli-files-operator-token";
const SECRET_FILE_CONTENT = "TOP-SECRET-CREDENTIAL-0123456789";

function config(resources: Record<string, unknown>, outputs: Record<string, unknown> = {}, stackName = "files-keys") {
  return { "//": { metadata: { stackName } }, provider: { keyform: [{ account: "files" }] }, resource: { keyform_api_key: resources }, output: outputs };
}

describe("keyform CLI security: reading and writing files", () => {
  let srv: ServedKeyform;
  let secretDir: string;
  const env = () => ({ KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: srv.endpoint });
  beforeAll(async () => {
    srv = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: TOKEN } });
    expect((await api(srv.endpoint, TOKEN, "POST", "/v1/accounts", { id: "files" })).status).toBe(201);
    secretDir = mkdtempSync(join(tmpdir(), "keyform-secretdir-"));
    writeFileSync(join(secretDir, "creds.json"), `{"aws_secret":"${SECRET_FILE_CONTENT}"}`);
    writeFileSync(join(secretDir, "creds.txt"), SECRET_FILE_CONTENT);
  });
  afterAll(async () => {
    await srv.stop();
  });

  describe("reads only inside the folder it was given", () => {
    it("refuses manifest paths, symlinked files and symlinked arguments that lead out, sending nothing", async () => {
      const listener = await recorder();
      const work = mkdtempSync(join(tmpdir(), "keyform-read-"));
      try {
        const out = join(work, "cdktf.out");
        mkdirSync(join(out, "stacks", "keys"), { recursive: true });
        const cases: Array<[string, string[]]> = [];
        writeFileSync(join(out, "manifest.json"), JSON.stringify({ stacks: { keys: { synthesizedStackPath: `../../../../../../..${secretDir}/creds.json` } } }));
        cases.push(["manifest ..", ["plan", "cdktf.out"]]);
        writeFileSync(join(out, "manifest.json"), JSON.stringify({ stacks: { keys: { synthesizedStackPath: join(secretDir, "creds.json") } } }));
        cases.push(["manifest absolute", ["plan", "cdktf.out"]]);
        writeFileSync(join(out, "manifest.json"), JSON.stringify({ stacks: { keys: { synthesizedStackPath: "stacks/keys/cdk.tf.json" } } }));
        symlinkSync(join(secretDir, "creds.json"), join(out, "stacks", "keys", "cdk.tf.json"));
        cases.push(["symlinked cdk.tf.json", ["plan", "cdktf.out"]]);
        cases.push(["stack folder", ["plan", "cdktf.out/stacks/keys"]]);
        mkdirSync(join(work, "tf"));
        writeFileSync(join(work, "tf", "a.tf.json"), JSON.stringify(config({ a: { name: "a" } })));
        symlinkSync(join(secretDir, "creds.json"), join(work, "tf", "b.tf.json"));
        cases.push(["folder of *.tf.json", ["plan", "tf"]]);
        symlinkSync(join(secretDir, "creds.json"), join(work, "link.tf.json"));
        cases.push(["file argument", ["plan", "link.tf.json"]]);
        const secretTf = mkdtempSync(join(tmpdir(), "keyform-secret-tf-"));
        writeFileSync(join(secretTf, "cdk.tf.json"), readFileSync(join(secretDir, "creds.json")));
        symlinkSync(secretTf, join(work, "linked-out"));
        cases.push(["folder argument", ["plan", "linked-out"]]);
        for (const [what, args] of cases) {
          const r = await runCli(args, { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: listener.url }, cwd: work });
          expect([what, r.code]).toEqual([what, 1]);
          expect(r.stderr).toMatch(/inside|outside/);
          expect(r.stderr + r.stdout).not.toContain(SECRET_FILE_CONTENT);
        }
        expect(listener.requests).toEqual([]);
      } finally {
        await listener.close();
      }
    });

    it("reports an invalid JSON file without quoting its content", async () => {
      const work = mkdtempSync(join(tmpdir(), "keyform-json-"));
      writeFileSync(join(work, "bad.tf.json"), `${SECRET_FILE_CONTENT} {`);
      const r = await runCli(["plan", "bad.tf.json"], { env: env(), cwd: work });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("is not valid JSON");
      expect(r.stderr).not.toContain("TOP-SECRET");
    });
  });

  describe("writes through exclusive, no-follow temp files; trusts only outputs it wrote", () => {
    const stack = "files-keys";
    const outputs = { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true } };

    it("a planted symlink at the outputs file, decoy temp files and a planted --out link are never written through", async () => {
      const work = mkdtempSync(join(tmpdir(), "keyform-write-"));
      const victim = join(secretDir, "victim.txt");
      writeFileSync(victim, "victim");
      const dir = join(work, ".keyform", "outputs");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      symlinkSync(victim, join(dir, `${stack}.json`));
      for (const decoy of [`${stack}.json.tmp`, `.${stack}.json.tmp`, `${stack}.json.${process.pid + 1}.tmp`]) symlinkSync(victim, join(dir, decoy));
      symlinkSync(victim, join(work, "plan.json"));
      writeFileSync(join(work, "keys.tf.json"), JSON.stringify(config({ ci: { name: "files-ci" } }, outputs)));

      const plan = await runCli(["plan", "keys.tf.json", "--out", "plan.json"], { env: env(), cwd: work });
      expect(plan.code).toBe(0);
      expect(lstatSync(join(work, "plan.json")).isSymbolicLink()).toBe(false);
      expect(statSync(join(work, "plan.json")).mode & 0o777).toBe(0o600);
      const apply = await runCli(["apply", "--plan", "plan.json"], { env: env(), cwd: work });
      expect(apply.code).toBe(0);
      expect(apply.stderr).toContain("is a symbolic link");
      expect(readFileSync(victim, "utf8")).toBe("victim");
      const file = join(dir, `${stack}.json`);
      expect(lstatSync(file).isFile()).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, "utf8")).ci_key.value).toMatch(/^kf_live_/);
      // Only the decoys and the file itself: no temp file left behind.
      expect(readdirSync(dir).sort()).toEqual([`.${stack}.json.tmp`, `${stack}.json`, `${stack}.json.${process.pid + 1}.tmp`, `${stack}.json.tmp`].sort());
      await runCli(["apply", "keys.tf.json", "--destroy", "--auto-approve"], { env: env(), cwd: work });
    });

    it("a value planted in the outputs file (committed, or edited) is never handed on nor kept by a later apply", async () => {
      const work = mkdtempSync(join(tmpdir(), "keyform-planted-"));
      writeFileSync(join(work, "keys.tf.json"), JSON.stringify(config({ ci: { name: "files-planted" } }, outputs)));
      expect((await runCli(["apply", "keys.tf.json", "--auto-approve"], { env: env(), cwd: work })).code).toBe(0);
      const file = join(work, ".keyform", "outputs", `${stack}.json`);
      const real = JSON.parse(readFileSync(file, "utf8"));
      expect(real.ci_key.keyform_mac).toEqual(expect.any(String));
      expect((await runCli(["output", "ci_key", "--raw"], { env: env(), cwd: work })).stdout).toBe(real.ci_key.value);

      const planted = "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON";
      writeFileSync(file, JSON.stringify({ ci_key: { ...real.ci_key, value: planted } }), { mode: 0o600 });
      const edited = await runCli(["output", "ci_key", "--raw"], { env: env(), cwd: work });
      expect([edited.code, edited.stdout]).toEqual([1, ""]);
      expect(edited.stderr).toContain("SECRET_UNAVAILABLE");
      expect(edited.stderr).toContain("did not write");

      // As git checks it out: 0644, no MAC.
      writeFileSync(file, JSON.stringify({ ci_key: { sensitive: true, type: "string", value: planted } }));
      chmodSync(file, 0o644);
      writeFileSync(join(work, "keys.tf.json"), JSON.stringify(config({ ci: { name: "files-planted-2" } }, outputs)));
      const update = await runCli(["apply", "keys.tf.json", "--auto-approve"], { env: env(), cwd: work });
      expect(update.code).toBe(0);
      expect(update.stderr).toContain("its mode is 0644");
      expect(readFileSync(file, "utf8")).not.toContain(planted);
      const after = await runCli(["output", "ci_key", "--raw"], { env: env(), cwd: work });
      expect([after.code, after.stdout]).toEqual([1, ""]);
      expect(after.stderr).toContain("SECRET_UNAVAILABLE");
      await runCli(["apply", "keys.tf.json", "--destroy", "--auto-approve"], { env: env(), cwd: work });
    });

    it("refuses a .keyform/outputs that is a symlink before applying anything", async () => {
      const work = mkdtempSync(join(tmpdir(), "keyform-linkdir-"));
      const elsewhere = mkdtempSync(join(tmpdir(), "keyform-elsewhere-"));
      chmodSync(elsewhere, 0o777);
      mkdirSync(join(work, ".keyform"), { mode: 0o700 });
      symlinkSync(elsewhere, join(work, ".keyform", "outputs"));
      writeFileSync(join(work, "keys.tf.json"), JSON.stringify(config({ ci: { name: "files-linkdir" } }, outputs, "files-linkdir")));
      const r = await runCli(["apply", "keys.tf.json", "--auto-approve"], { env: env(), cwd: work });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("symbolic link");
      expect(readdirSync(elsewhere)).toEqual([]);
      const stacks = await api(srv.endpoint, TOKEN, "GET", "/v1/stacks/files-linkdir");
      expect(stacks.status === 404 || stacks.body?.serial === 0 || stacks.body?.stack?.serial === 0).toBe(true);
    });

    it("serve refuses an operator token file it did not make private (a committed .keyform/admin-token)", async () => {
      const work = mkdtempSync(join(tmpdir(), "keyform-admintoken-"));
      mkdirSync(join(work, ".keyform"), { mode: 0o700 });
      writeFileSync(join(work, ".keyform", "admin-token"), "kfadmin_known_to_the_attacker\n", { mode: 0o644 });
      const r = await runCli(["serve", "--port", "0"], { env: { KEYFORM_ADMIN_TOKEN: "" }, cwd: work, timeoutMs: 20_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("refusing the operator token");
      expect(readFileSync(join(work, ".keyform", "admin-token"), "utf8")).toBe("kfadmin_known_to_the_attacker\n");
    });
  });
});
