import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import express, { type Express, type Response } from "express";
import type { RouteDef } from "../http/route";
import { buildOpenApiDocument, type OpenApiOptions } from "./openapi.document";

/** swagger-ui-dist's files, served from node_modules: the reference page loads nothing from a CDN. */
const SWAGGER_FILES = ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-bundle.js.map", "swagger-ui.css.map", "favicon-16x16.png", "favicon-32x32.png"];

const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Swagger UI sets inline styles on its own elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>keyform API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/docs-init.js"></script>
</body>
</html>
`;

// No validator badge (it would call validator.swagger.io) and no persisted token.
const DOCS_INIT = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    tryItOutEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
`;

function swaggerDir(): string {
  return path.dirname(require.resolve("swagger-ui-dist/package.json"));
}

function headers(res: Response, route: string): void {
  res.locals.route = route;
  res.setHeader("Content-Security-Policy", DOCS_CSP);
  res.setHeader("Referrer-Policy", "no-referrer");
}

/**
 * `/openapi.json` (built once from `routes`, the list the router mounts) and the interactive
 * reference at `/docs`. Mount before the app's 404 handler.
 */
export function mountApiReference(app: Express, routes: readonly RouteDef[], opts: OpenApiOptions = {}): void {
  let document: unknown = null;
  app.get("/openapi.json", (_req, res) => {
    headers(res, "/openapi.json");
    document ??= buildOpenApiDocument(routes, { version: opts.version ?? packageVersion(), ...opts });
    res.setHeader("Cache-Control", "no-cache");
    res.json(document);
  });
  app.get(["/docs", "/docs/"], (_req, res) => {
    headers(res, "/docs");
    res.type("html").send(DOCS_HTML);
  });
  app.get("/docs/docs-init.js", (_req, res) => {
    headers(res, "/docs/*");
    res.type("application/javascript").send(DOCS_INIT);
  });
  const dir = swaggerDir();
  const statics = express.static(dir, { index: false, redirect: false, maxAge: "1h" });
  app.get(SWAGGER_FILES.map((f) => `/docs/${f}`), (req, res, next) => {
    headers(res, "/docs/*");
    req.url = req.url.replace(/^\/docs/, "");
    statics(req, res, next);
  });
}

/** The version in the nearest package.json above this file (source or dist). */
function packageVersion(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "0.0.0";
  }
  return "0.0.0";
}
