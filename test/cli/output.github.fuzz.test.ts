/**
 * Fuzz: `keyform output --format github` over hostile names and values (control characters, CR,
 * newlines, heredoc-looking lines, `::stop-commands::`, percent escapes). Whatever the input, stdout
 * holds only escaped `::add-mask::` lines covering every line of every sensitive value, and
 * $GITHUB_OUTPUT, read as GitHub's runner reads it, gives back exactly the values — or the command
 * refuses before printing or writing anything.
 */
import fc from "fast-check";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { renderOutputs } from "../../server/cli/commands/output";
import { CliError, type CliIO } from "../../server/cli/io";
import type { OutputsFile } from "../../server/cli/outputs-file";
import { hostileText } from "../support/hostile";
import { parseGithubOutput } from "../support/rendering";

function capture() {
  let text = "";
  const stream = new Writable({ write: (c, _e, cb) => ((text += c.toString()), cb()) });
  return { stream, text: () => text };
}


const unescapeData = (s: string) => s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");

const name = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/) }, { weight: 1, arbitrary: hostileText });
const outputs = fc.dictionary(name, fc.record({ sensitive: fc.boolean(), value: fc.oneof(hostileText, fc.constant("ghadelimiter_x\n"), fc.jsonValue()) }), { minKeys: 1, maxKeys: 4 });

test("fuzz: --format github masks every line and round-trips every value, or refuses before any output", () => {
  const dir = mkdtempSync(join(tmpdir(), "keyform-gh-fuzz-"));
  fc.assert(
    fc.property(outputs, (entries) => {
      const file = join(dir, "out");
      writeFileSync(file, "");
      const stdout = capture();
      const io: CliIO = { stdout: stdout.stream, stderr: capture().stream, stdin: new PassThrough(), env: { GITHUB_OUTPUT: file }, cwd: dir };
      const all: OutputsFile = Object.fromEntries(Object.entries(entries).map(([n, v]) => [n, { sensitive: v.sensitive, type: "string", value: v.value }]));
      const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
      const valid = Object.keys(all).every((n) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(n));
      if (!valid) {
        expect(() => renderOutputs(io, all, undefined, { format: "github", stack: "s", file: "f" })).toThrow(CliError);
        expect(stdout.text()).toBe("");
        expect(readFileSync(file, "utf8")).toBe("");
        return;
      }
      expect(renderOutputs(io, all, undefined, { format: "github", stack: "s", file: "f" })).toBe(0);
      const lines = stdout.text().split("\n");
      expect(lines.pop()).toBe("");
      for (const l of lines) expect(l).toMatch(/^::add-mask::[^\r\n]*\S[^\r\n]*$/);
      const masks = new Set(lines.map((l) => unescapeData(l.slice("::add-mask::".length))));
      for (const v of Object.values(all)) {
        for (const part of text(v.value).split(/\r\n|\r|\n/)) {
          if (v.sensitive && part.trim()) expect(masks.has(part)).toBe(true);
        }
      }
      expect(parseGithubOutput(readFileSync(file, "utf8"))).toEqual(Object.fromEntries(Object.entries(all).map(([n, v]) => [n, text(v.value)])));
    }),
    { numRuns: 300 },
  );
});
