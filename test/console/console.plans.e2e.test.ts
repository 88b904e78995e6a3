import type { Browser, Page } from "playwright-core";
import { ADMIN_TOKEN, launchChromium, startServer, type ConsoleHarness } from "./harness";

/** What `cdktf synth` writes for one key (TERRAFORM-FORMATS.md). */
function config(keyName: string) {
  return {
    "//": { metadata: { backend: "local", stackName: "payments", version: "0.21.0" } },
    provider: { keyform: [{ account: "acme" }] },
    resource: { keyform_api_key: { ci: { name: keyName, expires_in: "90d", scopes: ["alerts:send"] } } },
    output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true } },
  };
}

describe("console: stacks and plans in Chromium", () => {
  let server: ConsoleHarness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startServer();
    expect((await server.api("POST", "/v1/accounts", { id: "acme", max_expiry: "1y" })).status).toBe(201);
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

  async function openPlan(id: string): Promise<void> {
    await page.goto(`${server.baseUrl}/console#/plans/${id}`);
    await page.waitForSelector("[data-testid=plan-summary]");
  }

  it("starts with no stacks", async () => {
    await page.click("a[href='#/stacks']");
    await page.waitForSelector("[data-testid=no-stacks]");
  });

  it("renders a plan with its summary line and a coloured diff", async () => {
    const planned = await server.api<{ id: string }>("POST", "/v1/stacks/payments/plans", { config: config("github-actions") });
    expect(planned.status).toBe(201);
    await openPlan(planned.body.id);
    expect(await page.textContent("[data-testid=plan-summary]")).toBe("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(await page.textContent("[data-testid=plan-text]")).toContain("keyform_api_key.ci will be created");
    expect(await page.locator("[data-testid=plan-text] .diff-add").count()).toBeGreaterThan(0);
    expect(await page.textContent("main")).toContain(`keyform apply --plan ${planned.body.id}`);

    const applied = await server.api("POST", `/v1/plans/${planned.body.id}/apply`);
    expect(applied.status).toBe(200);
  });

  it("shows the stack's serial, keys, plans and apply history", async () => {
    await page.goto(`${server.baseUrl}/console#/stacks`);
    await page.waitForSelector("[data-testid=stacks-table]");
    const row = page.locator("[data-testid=stacks-table] tbody tr");
    expect(await row.count()).toBe(1);
    expect(await row.locator("td").allTextContents()).toEqual(expect.arrayContaining(["payments", "1", "unlocked"]));
    await row.locator("a").click();
    await page.waitForSelector("h1:has-text('payments')");
    const main = (await page.textContent("main"))!;
    expect(main).toContain("serial 1");
    expect(main).toContain("keyform_api_key.ci");
    expect(main).toContain("github-actions");
    expect(await page.locator(".badge-plan-applied").count()).toBe(1);
    expect(main).toMatch(/Apply history.*Plan: 1 to add, 0 to change, 0 to destroy\./s);

    // The key it manages says so in the keys view and on its details page.
    await page.click("text=github-actions");
    await page.waitForSelector("[data-testid=stack-notice]");
    expect(await page.textContent("dd[data-field='Managed by stack']")).toBe("payments");
  });

  it("shows an in-place update as a change", async () => {
    const planned = await server.api<{ id: string }>("POST", "/v1/stacks/payments/plans", { config: config("github-actions-eu") });
    expect(planned.status).toBe(201);
    await openPlan(planned.body.id);
    expect(await page.textContent("[data-testid=plan-summary]")).toBe("Plan: 0 to add, 1 to change, 0 to destroy.");
    expect(await page.locator("[data-testid=plan-text] .diff-change").count()).toBeGreaterThan(0);
    expect(await page.textContent("[data-testid=plan-text]")).toContain('"github-actions" -> "github-actions-eu"');
  });

  it("shows a failed plan with its diagnostics", async () => {
    const bad = config("forever");
    (bad.resource.keyform_api_key.ci as { expires_in: string }).expires_in = "never";
    const refused = await server.api<{ code: string; plan_id: string }>("POST", "/v1/stacks/payments/plans", { config: bad });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("PLAN_FAILED");
    await openPlan(refused.body.plan_id);
    expect(await page.locator(".badge-plan-errored").count()).toBe(1);
    expect(await page.textContent("[data-testid=plan-summary]")).toMatch(/^Planning failed: 1 error\./);
    expect(await page.locator(".diagnostic-error").count()).toBeGreaterThan(0);
    expect(await page.textContent(".diagnostics")).toContain("keyform_api_key.ci");
    expect(await page.textContent("main")).not.toContain("keyform apply --plan");
  });
});
