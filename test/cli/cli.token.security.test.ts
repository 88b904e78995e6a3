/**
 * The CLI as a pull-request author would attack it (issue 12): where the token goes, what reaches
 * stdout/stderr, and what a server's answer can make it print. The CLI runs as a child process;
 * recording listeners on 127.0.0.1 prove what was (not) sent.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { outputsKey, outputsPath, writeOutputs, type OutputsFile } from "../../server/cli/outputs-file";
import { api, CLI_STATE_HOME, runCli, serveKeyform, type ServedKeyform } from "../support/cli";
import { recorder } from "../support/recorder";
import { parseGithubOutput, RAW_CONTROL } from "../support/rendering";

const TOKEN = "cli-security-operator-token";

function tfJson(endpoint: string, resources: Record<string, unknown>, outputs: Record<string, unknown> = {}) {
  return {
    "//": { metadata: { stackName: "sec-keys", backend: "local", version: "0.21.0" } },
    provider: { keyform: [{ account: "sec", endpoint }] },
    resource: { keyform_api_key: resources },
    output: outputs,
  };
}

/** The outputs file as keyform itself writes it on this machine (same outputs key as the CLI under test). */
function writeTrustedOutputs(dir: string, stack: string, data: OutputsFile): string {
  const path = outputsPath(dir, stack);
  require("node:fs").mkdirSync(join(dir, ".keyform", "outputs"), { recursive: true, mode: 0o700 });
  writeOutputs(path, data, outputsKey({ XDG_STATE_HOME: CLI_STATE_HOME }));
  return path;
}


describe("keyform CLI security: the token, secrets on a terminal, escaped output", () => {
  let srv: ServedKeyform;
  let work: string;
  beforeAll(async () => {
    srv = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: TOKEN } });
    expect((await api(srv.endpoint, TOKEN, "POST", "/v1/accounts", { id: "sec" })).status).toBe(201);
    work = mkdtempSync(join(tmpdir(), "keyform-cli-sec-"));
  });
  afterAll(async () => {
    await srv.stop();
  });

  describe("the token goes only where the user said", () => {
    it("apply --plan refuses a saved plan naming another endpoint, and sends nothing", async () => {
      const evil = await recorder();
      try {
        writeFileSync(join(work, "keys.tf.json"), JSON.stringify(tfJson(srv.endpoint, { a: { name: "sec-a" } })));
        const plan = await runCli(["plan", "keys.tf.json", "--out", "plan.json"], { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: srv.endpoint }, cwd: work });
        expect(plan.code).toBe(0);
        const saved = JSON.parse(readFileSync(join(work, "plan.json"), "utf8"));
        writeFileSync(join(work, "plan.json"), JSON.stringify({ ...saved, endpoint: evil.url }));
        for (const env of [{ KEYFORM_ENDPOINT: srv.endpoint }, { KEYFORM_ENDPOINT: "" }]) {
          const r = await runCli(["apply", "--plan", "plan.json"], { env: { KEYFORM_TOKEN: TOKEN, ...env }, cwd: work });
          expect(r.code).toBe(1);
          expect(r.stderr).toContain(`was planned against "${evil.url}"`);
          expect(r.stderr).toContain("Nothing was sent");
          expect(r.stdout).toBe("");
        }
        expect(evil.requests).toEqual([]);
        // The user's explicit choice is honoured.
        await runCli(["apply", "--plan", "plan.json", "--endpoint", evil.url], { env: { KEYFORM_TOKEN: TOKEN }, cwd: work });
        expect(evil.requests.map((q) => [q.method, q.url, q.authorization])).toEqual([["POST", `/v1/plans/${saved.plan_id}/apply`, `Bearer ${TOKEN}`]]);
      } finally {
        await evil.close();
      }
    });

    it("a configuration's provider endpoint gets nothing unless it is the chosen one or --use-config-endpoint is given", async () => {
      const evil = await recorder();
      try {
        writeFileSync(join(work, "evil.tf.json"), JSON.stringify(tfJson(evil.url, { a: { name: "sec-a" } })));
        const empty = await runCli(["plan", "evil.tf.json"], { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: "" }, cwd: work, timeoutMs: 20_000 });
        expect(empty.stderr).toContain(`not the provider block's endpoint "${evil.url}"`);
        const chosen = await runCli(["plan", "evil.tf.json", "--detailed-exitcode"], { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: srv.endpoint }, cwd: work });
        expect(chosen.code).toBe(2);
        expect(chosen.stdout).toContain("# keyform_api_key.a will be created");
        expect(evil.requests).toEqual([]);
        const optIn = await runCli(["plan", "evil.tf.json", "--use-config-endpoint"], { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: "" }, cwd: work });
        expect(optIn.code).toBe(1);
        expect(evil.requests.map((q) => [q.method, q.url, q.authorization])).toEqual([["POST", "/v1/stacks/sec-keys/plans", `Bearer ${TOKEN}`]]);
      } finally {
        await evil.close();
      }
    });

    it("without a token it says to set KEYFORM_TOKEN, in one line, and sends nothing", async () => {
      const target = await recorder();
      try {
        for (const args of [["plan", "keys.tf.json"], ["keys", "list", "--account", "sec"], ["state", "list", "--stack", "sec-keys"], ["verify", "kf_live_x"]]) {
          const r = await runCli(args, { env: { KEYFORM_TOKEN: "", KEYFORM_ENDPOINT: target.url }, cwd: work });
          expect(r.code).toBe(1);
          expect(r.stderr).toBe("Error: No token: set KEYFORM_TOKEN to a keyform key (or the operator token).\n");
        }
        expect(target.requests).toEqual([]);
      } finally {
        await target.close();
      }
    });

    it("does not follow a redirect that would carry the token elsewhere", async () => {
      const elsewhere = await recorder();
      const bouncer = await recorder((_q, res) => res.writeHead(307, { location: `${elsewhere.url}/v1/accounts/sec/keys` }).end());
      try {
        const r = await runCli(["keys", "list", "--account", "sec", "--endpoint", bouncer.url], { env: { KEYFORM_TOKEN: TOKEN } });
        expect(r.code).toBe(1);
        expect(bouncer.requests.length).toBe(1);
        expect(elsewhere.requests).toEqual([]);
      } finally {
        await bouncer.close();
        await elsewhere.close();
      }
    });
  });

  describe("no secret on a terminal by accident; --format github as GitHub documents it", () => {
    const SECRET = "kf_live_line1\n::stop-commands::pwn\n  \nline%3\r";
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "keyform-gh-"));
    });

    it("without GITHUB_OUTPUT it fails before printing anything", async () => {
      writeTrustedOutputs(dir, "s", { ci_key: { sensitive: true, type: "string", value: "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON" } });
      const r = await runCli(["output", "ci_key", "--format", "github"], { env: { GITHUB_OUTPUT: "" }, cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toContain("kf_live_");
      const unwritable = await runCli(["output", "ci_key", "--format", "github"], { env: { GITHUB_OUTPUT: dir }, cwd: dir });
      expect(unwritable.code).toBe(1);
      expect(unwritable.stdout).toBe("");
    });

    it("masks every line of a multi-line secret and writes it in a heredoc with a random delimiter", async () => {
      writeTrustedOutputs(dir, "s", { ci_key: { sensitive: true, type: "string", value: SECRET }, plain: { sensitive: false, type: "string", value: "a=b\nc<<EOF" } });
      const gh = join(dir, "gh_output");
      writeFileSync(gh, "");
      const r = await runCli(["output", "--format", "github"], { env: { GITHUB_OUTPUT: gh }, cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n")).toEqual(["::add-mask::kf_live_line1", "::add-mask::::stop-commands::pwn", "::add-mask::line%253", ""]);
      const written = readFileSync(gh, "utf8");
      expect(written).toMatch(/^ci_key<<ghadelimiter_[0-9a-f-]{36}\n/);
      expect(parseGithubOutput(written)).toEqual({ ci_key: SECRET, plain: "a=b\nc<<EOF" });
    });

    it("refuses an output name it cannot write safely, before printing anything", async () => {
      writeTrustedOutputs(dir, "s", { ok: { sensitive: true, type: "string", value: "kf_live_secret_value" }, "x\ninjected=1": { sensitive: false, type: "string", value: "v" } });
      const gh = join(dir, "gh_output");
      writeFileSync(gh, "");
      const r = await runCli(["output", "--format", "github"], { env: { GITHUB_OUTPUT: gh }, cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain('"x\\ninjected=1"');
      expect(readFileSync(gh, "utf8")).toBe("");
    });

    it("prints values with control characters escaped, or in a form meant for them", async () => {
      writeTrustedOutputs(dir, "s", { o: { sensitive: false, type: "string", value: "\u001b]0;t\u0007\u202e" } });
      const human = await runCli(["output"], { cwd: dir });
      expect(human.stdout).toBe('o = "\\u001b]0;t\\u0007\\u202e"\n');
      const json = await runCli(["output", "--json"], { cwd: dir });
      expect(json.stdout).not.toMatch(RAW_CONTROL);
      expect(JSON.parse(json.stdout).o.value).toBe("\u001b]0;t\u0007\u202e");
      const shell = await runCli(["output", "o", "--format", "shell"], { cwd: dir });
      expect(shell.stdout).toBe("export O=$'\\x1b]0;t\\x07\\u202e'\n");
      const dotenv = await runCli(["output", "o", "--format", "dotenv"], { cwd: dir });
      expect([dotenv.code, dotenv.stdout]).toEqual([1, ""]);
    });
  });

  describe("what a configuration or a server says is printed escaped", () => {
    it("plan output (text and markdown) shows hostile names and keys as data", async () => {
      const key = "k\u001b]0;pwned\u0007\u001b[2J\r\u202e";
      writeFileSync(join(work, "hostile.tf.json"), JSON.stringify(tfJson(srv.endpoint, { k: { for_each: { [key]: "v" }, name: "sec-k" } })));
      const env = { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: srv.endpoint };
      const text = await runCli(["plan", "hostile.tf.json", "--detailed-exitcode"], { env, cwd: work });
      expect(text.code).toBe(2);
      expect(text.stdout).toContain('# keyform_api_key.k["k\\u001b]0;pwned\\u0007\\u001b[2J\\r\\u202e"] will be created');
      const md = await runCli(["plan", "hostile.tf.json", "--markdown"], { env, cwd: work });
      for (const out of [text.stdout, md.stdout, text.stderr, md.stderr]) expect(out).not.toMatch(RAW_CONTROL);
      writeFileSync(join(work, "badname.tf.json"), JSON.stringify(tfJson(srv.endpoint, { [`x${key}`]: { name: "sec-x" } })));
      const bad = await runCli(["plan", "badname.tf.json"], { env, cwd: work });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain("Invalid resource name");
      expect(bad.stdout).not.toMatch(RAW_CONTROL);
    });

    it("a server's error detail and field messages are shown on one line, escaped", async () => {
      const hostile = await recorder((_q, res) =>
        res.writeHead(422, { "content-type": "application/problem+json" }).end(JSON.stringify({
          code: "VALIDATION_FAILED\u001b[2J", detail: "bad\u001b]0;pwned\u0007\nError: fake", errors: [{ field: "\u001b[31mname", message: "x\ry" }],
        })),
      );
      try {
        const r = await runCli(["keys", "list", "--account", "sec", "--endpoint", hostile.url], { env: { KEYFORM_TOKEN: TOKEN } });
        expect(r.code).toBe(1);
        expect(r.stderr).toBe("Error: VALIDATION_FAILED\\u001b[2J: bad\\u001b]0;pwned\\u0007\\nError: fake\n  \\u001b[31mname x\\ry\n");
      } finally {
        await hostile.close();
      }
    });

    it("an apply answer with hostile names prints escaped and writes outputs under the local stack name only", async () => {
      const planId = "plan_" + "A".repeat(24);
      const hostile = await recorder((_q, res) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
          serial: 1, stack: "../../../../escaped", summary: { import: 0, add: 1, change: 0, destroy: 0 },
          resources: [{ address: "keyform_api_key.a\u001b[2J", action: "create", key_id: "key_\u001b]0;t\u0007" }],
          outputs: { "o\u001b[31m": { sensitive: false, type: "string", value: "\u009b31m" }, s: { sensitive: true, type: "string", value: "kf_live_hidden" } },
        })),
      );
      const dir = mkdtempSync(join(tmpdir(), "keyform-apply-"));
      try {
        writeFileSync(join(dir, "plan.json"), JSON.stringify({ plan_id: planId, endpoint: hostile.url, stack: "mine", lineage: null, serial: 0 }));
        const r = await runCli(["apply", "--plan", "plan.json"], { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: hostile.url }, cwd: dir });
        expect(r.code).toBe(0);
        expect(r.stdout).not.toMatch(RAW_CONTROL);
        expect(r.stdout).toContain("keyform_api_key.a\\u001b[2J: Creation complete [id=key_\\u001b]0;t\\u0007]");
        expect(r.stdout).toContain("s = <sensitive>");
        expect(r.stdout).not.toContain("kf_live_hidden");
        const kept = JSON.parse(readFileSync(join(dir, ".keyform", "outputs", "mine.json"), "utf8"));
        expect(kept.s.value).toBe("kf_live_hidden");
        expect(require("node:fs").existsSync(join(dir, "..", "escaped.json"))).toBe(false);
        expect(require("node:fs").readdirSync(join(dir, ".keyform", "outputs"))).toEqual(["mine.json"]);
        // A plan id that is not one is never put into a URL.
        writeFileSync(join(dir, "plan.json"), JSON.stringify({ plan_id: "../stacks/x/lock", endpoint: hostile.url, stack: "mine" }));
        const n = hostile.requests.length;
        expect((await runCli(["apply", "--plan", "plan.json"], { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: hostile.url }, cwd: dir })).code).toBe(1);
        expect(hostile.requests.length).toBe(n);
        // A bare plan id needs a local stack name.
        const bare = await runCli(["apply", "--plan", planId], { env: { KEYFORM_TOKEN: TOKEN, KEYFORM_ENDPOINT: hostile.url }, cwd: dir });
        expect([bare.code, hostile.requests.length]).toEqual([1, n]);
        expect(bare.stderr).toContain("--stack");
      } finally {
        await hostile.close();
      }
    });
  });
});
