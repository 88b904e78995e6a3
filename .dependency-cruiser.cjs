/**
 * keyform's import directions (issue #13). `npm run lint:deps` checks them; CI (.ci/run) fails on a violation.
 *
 *   core/      the pure model: imports nothing outside core/ (no Node built-ins, no npm package).
 *   server/, provider/ (constructs and plugin), client/   may import core/.
 *   provider/  the cdktf constructs (provider/*.ts) import neither server/ nor provider/plugin/.
 *   client/    imports neither server/ nor provider/.
 *   server/http/ is the route layer's: only http/ itself, *.routes.ts, app.ts, and above them container.ts,
 *              openapi/ and cli/serve-runner.ts import it. Services, repositories, the reconciler and the
 *              stacks services do not (streamed JSON helpers they share with the router are in server/json/).
 *   *.repository.ts stores and loads: it imports no service and no plan rendering.
 *   No import cycles.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-imports-only-core",
      comment: "core/ is the pure model: it imports only core/ (no Node built-ins, no npm packages).",
      severity: "error",
      from: { path: "^core/" },
      to: { pathNot: "^core/" },
    },
    {
      name: "constructs-not-server-or-plugin",
      comment: "The cdktf constructs (provider/*.ts) import neither server/ nor the provider plugin.",
      severity: "error",
      from: { path: "^provider/", pathNot: "^provider/plugin/" },
      to: { path: "^(server|provider/plugin)/" },
    },
    {
      name: "plugin-not-server",
      comment: "The provider plugin talks to the server over REST (client/), never by importing server/.",
      severity: "error",
      from: { path: "^provider/plugin/" },
      to: { path: "^server/" },
    },
    {
      name: "client-not-server-or-provider",
      comment: "@keyform/client imports neither server/ nor provider/.",
      severity: "error",
      from: { path: "^client/" },
      to: { path: "^(server|provider)/" },
    },
    {
      name: "http-only-from-route-layer",
      comment:
        "server/http/ is the route layer's: services, repositories, the reconciler and the stacks services do not import it. " +
        "The route layer: server/http/ itself (router, route definitions), *.routes.ts, app.ts; and what sits above it: " +
        "container.ts (the composition root, which takes extensions' routes), openapi/ (the document is made from the " +
        "route definitions) and cli/serve-runner.ts (starts the HTTP server).",
      severity: "error",
      from: {
        path: "^server/",
        pathNot: [
          "^server/http/",
          "\\.routes\\.ts$",
          "^server/app\\.ts$",
          "^server/container\\.ts$",
          "^server/openapi/",
          "^server/cli/serve-runner\\.ts$",
        ],
      },
      to: { path: "^server/http/" },
    },
    {
      name: "repository-stores-and-loads",
      comment: "A repository stores and loads: it imports no service and no plan rendering (reconciler/render).",
      severity: "error",
      from: { path: "\\.repository\\.ts$" },
      to: { path: ["\\.service\\.ts$", "^server/reconciler/render/"] },
    },
    {
      name: "no-circular",
      comment: "No import cycles.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["cjs", "es6"],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
