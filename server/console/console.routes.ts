import { existsSync } from "node:fs";
import path from "node:path";
import express, { type Express, type Request, type Response } from "express";

/**
 * Where the built console is: KEYFORM_CONSOLE_DIR, else where `npm run build` puts it, seen from the
 * compiled (dist/server/console) or the source tree (server/console).
 */
function defaultAssetDirs(): string[] {
  const fromEnv = process.env.KEYFORM_CONSOLE_DIR;
  return [...(fromEnv ? [path.resolve(fromEnv)] : []), path.resolve(__dirname, "../../console"), path.resolve(__dirname, "../../dist/console")];
}

// The console talks only to this origin and loads nothing from elsewhere.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function noStore(res: Response): void {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Security-Policy", CSP);
  res.setHeader("Referrer-Policy", "no-referrer");
}

/**
 * Serves the web console at /console from the assets `npm run build` bundled. Mount it before the
 * app's 404 handler. The pages are public; every datum they show comes from the authenticated API.
 */
export function mountConsole(app: Express, opts: { assetsDir?: string } = {}): void {
  const candidates = opts.assetsDir ? [opts.assetsDir] : defaultAssetDirs();
  const assetsDir = () => candidates.find((d) => existsSync(path.join(d, "index.html")));

  const index = (req: Request, res: Response) => {
    res.locals.route = "/console";
    noStore(res);
    const dir = assetsDir();
    if (!dir) {
      res.status(503).type("text/plain").send("The keyform console is not built. Run `npm run build` and restart the server.\n");
      return;
    }
    res.sendFile(path.join(dir, "index.html"));
  };
  app.get(["/console", "/console/", "/console/index.html"], index);
  app.use("/console", (req, res, next) => {
    res.locals.route = "/console/*";
    noStore(res);
    const dir = assetsDir();
    if (!dir) return next();
    express.static(dir, { index: false, redirect: false, dotfiles: "ignore", fallthrough: true })(req, res, next);
  });
}
