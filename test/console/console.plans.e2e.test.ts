import type { Browser, Page } from "playwright-core";
import { apiRoutes } from "../../server/app";
import { ADMIN_TOKEN, launchChromium, startServer, type ConsoleHarness } from "./harness";

/** What `cdktf synth` writes for one key (TERRAFORM-FORMATS.md). */
const CONFIG = {
  "//": { metadata: { backend: "local", stackName: "payments", version: "0.21.0" } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: { ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] } } },
  output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true } },
};

describe("console: stacks and plans in Chromium", () => {
  let server: ConsoleHarness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startServer();
    expect((await server.api("POST", "/v1/accounts", { id: "acme" })).status).toBe(201);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${server.baseUrl}/console`);
    await page.fill("#token", ADMIN_TOKEN);
    await page.fill("#account", "acme");
    await page.click("[data-testid=sign-in] button[type=submit]");
    await page.waitForSelector("main[data-ready=keys]");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const hasReconciler = () => apiRoutes(server.services).some((r) => r.method === "post" && r.path === "/v1/stacks/:stack/plans");

  it("renders a stack's plan with its summary line and coloured diff (or 'no stacks' without a reconciler)", async () => {
    if (!hasReconciler()) {
      // A server without the reconciler: the Stacks view says so instead of failing.
      await page.click("a[href='#/stacks']");
      await page.waitForSelector("[data-testid=no-stacks]");
      return;
    }
    const planned = await server.api<{ id: string; summary: unknown }>("POST", "/v1/stacks/payments/plans", { config: CONFIG });
    expect(planned.status).toBe(201);
    await page.goto(`${server.baseUrl}/console#/plans/${planned.body.id}`);
    await page.waitForSelector("[data-testid=plan-summary]");
    expect(await page.textContent("[data-testid=plan-summary]")).toBe("Plan: 1 to add, 0 to change, 0 to destroy.");
    const text = (await page.textContent("[data-testid=plan-text]"))!;
    expect(text).toContain("keyform_api_key.ci will be created");
    expect(await page.locator("[data-testid=plan-text] .diff-add").count()).toBeGreaterThan(0);

    await page.click("a[href='#/stacks']");
    await page.waitForSelector("[data-testid=no-stacks], [data-testid=stacks-table]");
  });
});
