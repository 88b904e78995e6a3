import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONSTRUCTS, GENERATED_MARK, renderAll } from "../../scripts/constructs/render";
import { staleFiles } from "../../scripts/generate-constructs";

const ROOT = path.join(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

function generateCheck(root: string) {
  return spawnSync(TSX, [path.join(ROOT, "scripts/generate-constructs.ts"), "--check", "--root", root], { encoding: "utf8" });
}

describe("the construct classes in provider/ are generated from core/schema", () => {
  it("the committed files are exactly what `npm run generate` writes", () => {
    // On failure: run `npm run generate` and commit (never edit the generated files by hand).
    expect(staleFiles(ROOT)).toEqual([]);
  });

  it("each generated file says so on its first line", () => {
    for (const spec of CONSTRUCTS) expect(fs.readFileSync(path.join(ROOT, spec.file), "utf8").split("\n")[0]).toBe(GENERATED_MARK);
  });

  it("`npm run generate:check` passes on this tree and fails, naming the file, once a generated file is edited", () => {
    expect(generateCheck(ROOT)).toMatchObject({ status: 0 });

    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "keyform-generate-check-"));
    try {
      fs.mkdirSync(path.join(scratch, "provider"));
      for (const [file, content] of renderAll()) fs.writeFileSync(path.join(scratch, file), content);
      expect(generateCheck(scratch)).toMatchObject({ status: 0 });

      const edited = "provider/api-key.data-source.ts";
      fs.appendFileSync(path.join(scratch, edited), "// a hand edit\n");
      const res = generateCheck(scratch);
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`  ${edited}\n`);
      expect(res.stderr).not.toContain("provider/api-key.resource.ts");
      expect(res.stderr).toContain("npm run generate");
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
