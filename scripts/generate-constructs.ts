/**
 * `npm run generate`: writes the cdktf construct classes in provider/ from core/schema.
 * `npm run generate:check`: writes nothing; fails, naming each file, when the committed files differ
 * from what `npm run generate` would write (CI runs it, and so does test/provider/generated.test.ts).
 *
 * Options: `--check`; `--root <dir>` (default: the repository this script is in).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderAll } from "./constructs/render";

/** Files under root whose content differs from the generator's (missing files included). */
export function staleFiles(root: string): string[] {
  const stale: string[] = [];
  for (const [file, content] of renderAll()) {
    const target = path.join(root, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : null;
    if (current !== content) stale.push(file);
  }
  return stale;
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const rootAt = argv.indexOf("--root");
  const root = rootAt >= 0 ? path.resolve(argv[rootAt + 1]) : path.resolve(__dirname, "..");
  if (check) {
    const stale = staleFiles(root);
    if (stale.length > 0) {
      process.stderr.write(
        `generated files are out of date with core/schema (or were edited by hand):\n${stale.map((f) => `  ${f}\n`).join("")}` +
          "run `npm run generate` and commit the result\n",
      );
      return 1;
    }
    process.stdout.write(`generated constructs are up to date (${renderAll().size} files)\n`);
    return 0;
  }
  for (const [file, content] of renderAll()) {
    const target = path.join(root, file);
    const changed = !fs.existsSync(target) || fs.readFileSync(target, "utf8") !== content;
    if (changed) fs.writeFileSync(target, content);
    process.stdout.write(`${changed ? "wrote" : "unchanged"} ${file}\n`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
