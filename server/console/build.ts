import { existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";

/** The repository root: the nearest folder above this file holding package.json (works from dist/ too). */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`No package.json above ${from}`);
    dir = up;
  }
  return dir;
}

export const CONSOLE_SOURCES = () => path.join(projectRoot(), "server", "console", "web");
export const CONSOLE_DIST = () => path.join(projectRoot(), "dist", "console");

/**
 * Bundles the console (TypeScript + DOM, no framework) into `outDir`: console.js, console.css and
 * index.html. Everything the page loads comes from this folder; nothing from a CDN.
 */
export async function buildConsole(outDir = CONSOLE_DIST(), opts: { minify?: boolean } = {}): Promise<string> {
  // Imported here so the server itself never needs esbuild (a dev dependency) at run time.
  const esbuild = await import("esbuild");
  const src = CONSOLE_SOURCES();
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(src, "main.ts")],
    outfile: path.join(outDir, "console.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    minify: opts.minify ?? true,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
  });
  await copyFile(path.join(src, "index.html"), path.join(outDir, "index.html"));
  await copyFile(path.join(src, "console.css"), path.join(outDir, "console.css"));
  return outDir;
}

if (require.main === module) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  buildConsole(out).then(
    (dir) => console.log(`console built into ${path.relative(process.cwd(), dir) || "."}`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
