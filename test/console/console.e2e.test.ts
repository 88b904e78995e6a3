import type { Browser, BrowserContext, Page, Request, Response } from "playwright-core";
import { ADMIN_TOKEN, launchChromium, startServer, type ConsoleHarness } from "./harness";

/** Everything the page sent and received, bodies included, to prove where a secret did and did not go. */
class Traffic {
  readonly requests: Request[] = [];
  readonly responses: Array<{ url: string; method: string; status: number; body: string; at: number }> = [];
  private pending: Array<Promise<void>> = [];
  constructor(page: Page) {
    page.on("request", (r) => this.requests.push(r));
    page.on("response", (r: Response) => {
      const at = Date.now();
      this.pending.push(
        r.body().then(
          (b) => void this.responses.push({ url: r.url(), method: r.request().method(), status: r.status(), body: b.toString("utf8"), at }),
          () => void this.responses.push({ url: r.url(), method: r.request().method(), status: r.status(), body: "", at }),
        ),
      );
    });
  }
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }
  posts(pathPart: string): Request[] {
    return this.requests.filter((r) => r.method() === "POST" && r.url().includes(pathPart));
  }
}

describe("console in Chromium", () => {
  let server: ConsoleHarness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let traffic: Traffic;

  beforeAll(async () => {
    server = await startServer();
    expect((await server.api("POST", "/v1/accounts", { id: "acme", name: "Acme Corp", max_expiry: "1y" })).status).toBe(201);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
    page = await context.newPage();
    traffic = new Traffic(page);
  });

  afterEach(async () => {
    await context.close();
  });

  async function signIn(account = "acme", token = ADMIN_TOKEN): Promise<void> {
    await page.goto(`${server.baseUrl}/console`);
    await page.fill("#token", token);
    await page.fill("#account", account);
    await page.click("[data-testid=sign-in] button[type=submit]");
    await page.waitForSelector("main[data-ready=keys]");
  }

  it("creates a key, shows its secret once, masks it afterwards and revokes it", async () => {
    await signIn();
    // The token lives in sessionStorage only.
    expect(await page.evaluate(() => sessionStorage.getItem("keyform.token"))).toBe(ADMIN_TOKEN);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(ADMIN_TOKEN);
    expect((await context.cookies()).length).toBe(0);

    await page.click("[data-testid=create-key]");
    const dialog = page.locator("[data-testid=create-key-dialog]");
    // max_expiry 1y: longer choices are offered but disabled.
    expect(await dialog.locator("#key-expiry option[value='2y']").isDisabled()).toBe(true);
    expect(await dialog.locator("#key-expiry option[value='never']").isDisabled()).toBe(true);
    expect(await dialog.locator("#key-expiry option[value='1y']").isDisabled()).toBe(false);
    await dialog.locator("#key-name").fill("ci-deploy");
    await dialog.locator("#key-expiry").selectOption("1y");
    await dialog.locator("input[value='keys:read']").check();
    await dialog.locator("#key-scopes").fill("alerts:send");
    await dialog.locator("button[type=submit]").click();
    await page.waitForSelector("[data-testid=secret-panel]");

    // The secret, once, in its four forms.
    const secret = (await page.textContent("[data-format=plain] pre"))!.trim();
    expect(secret).toMatch(/^kf_live_[0-9A-Za-z]{36}$/);
    expect(await page.textContent("[data-format=shell] pre")).toBe(`export KEYFORM_API_KEY="${secret}"`);
    const base64 = Buffer.from(secret).toString("base64");
    expect(await page.textContent("[data-format=base64] pre")).toBe(base64);
    const k8s = (await page.textContent("[data-format=kubernetes] pre"))!;
    expect(k8s).toContain("kind: Secret");
    expect(k8s).toContain("name: ci-deploy");
    expect(k8s).toContain(`KEYFORM_API_KEY: ${base64}`);
    expect(await page.locator(".secret-panel .warning").textContent()).toMatch(/cannot be shown again/);
    await page.click("[data-copy=shell]");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`export KEYFORM_API_KEY="${secret}"`);
    await page.evaluate(() => navigator.clipboard.writeText(""));

    await traffic.settled();
    const created = traffic.responses.filter((r) => r.method === "POST" && r.url.endsWith("/v1/accounts/acme/keys"));
    expect(created.map((r) => r.status)).toEqual([201]);
    const createBody = JSON.parse(created[0].body);
    expect(createBody.secret).toBe(secret);
    expect(createBody.formats.base64).toBe(base64);

    // Closing removes the secret from the page and the page's memory.
    await page.click("[data-testid=secret-done]");
    await page.waitForSelector("[data-testid=create-key-dialog]", { state: "detached" });
    const closedAt = Date.now();
    await page.waitForSelector("tr[data-key-name='ci-deploy']");
    const html = await page.content();
    expect(html).not.toContain(secret);
    expect(html).not.toContain(base64);
    expect(await page.evaluate(() => document.querySelectorAll("dialog").length)).toBe(0);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toContain(secret);

    // The table shows it masked.
    const row = page.locator("tr[data-key-name='ci-deploy']");
    const masked = (await row.locator("code.masked").textContent())!;
    expect(masked).toBe(`kf_live_${secret.slice(8, 12)}…${secret.slice(-4)}`);
    expect(await row.locator(".badge-type-live").textContent()).toBe("live");
    expect(await row.locator("[data-status]").textContent()).toBe("active");
    expect(await row.locator(".expiry small").textContent()).toMatch(/^36[45] days left$/);

    // Details: every field, then delete behind a confirmation.
    await row.locator("a.key-name").click();
    await page.waitForSelector("[data-testid=key-fields]");
    const field = (name: string) => page.locator(`dd[data-field='${name}']`).textContent();
    expect(await field("Key")).toBe(masked);
    expect(await field("Scopes")).toBe("alerts:sendkeys:read");
    expect(await field("Expires in")).toBe("1y");
    expect(await field("Status")).toBe("active");
    for (const name of ["Id", "Account", "Name", "Type", "Created", "Expires at", "Last used", "Uses", "Remaining uses", "Managed by stack"]) {
      expect(await page.locator(`dd[data-field='${name}']`).count()).toBe(1);
    }
    await page.click("[data-testid=revoke]");
    await page.waitForSelector("[data-testid=confirm]");
    expect(traffic.requests.filter((r) => r.method() === "DELETE")).toHaveLength(0);
    await page.click("[data-testid=confirm-ok]");
    await page.waitForSelector("dd[data-field='Status'] [data-status='revoked']");
    expect(await page.locator("[data-testid=revoke]").isDisabled()).toBe(true);

    // The revoked secret no longer verifies.
    const verify = await server.api<{ valid: boolean; code: string }>("POST", "/v1/verify", { key: secret });
    expect(verify.body).toMatchObject({ valid: false, code: "NOT_FOUND" });

    await page.click("a[href='#/keys']");
    await page.waitForSelector("tr[data-key-name='ci-deploy'] [data-status='revoked']");
    await traffic.settled();
    // The secret appeared in exactly one response, the one that created it; never after the dialog closed.
    const carrying = traffic.responses.filter((r) => r.body.includes(secret) || r.body.includes(base64));
    expect(carrying.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(["POST /v1/accounts/acme/keys"]);
    expect(traffic.responses.filter((r) => r.at >= closedAt).length).toBeGreaterThan(3);
    // Every request stayed on this server: no CDN, no external font.
    for (const r of traffic.requests) expect(r.url().startsWith(server.baseUrl) || r.url().startsWith("data:")).toBe(true);
  });

  it("regenerates a stack-managed key behind a confirmation, with a grace period and the stack warning", async () => {
    // A key created by applying a stack, as `keyform apply` would.
    const config = {
      provider: { keyform: [{ account: "acme" }] },
      resource: { keyform_api_key: { api: { name: "payments-api", expires_in: "90d" } } },
    };
    const plan = await server.api<{ id: string }>("POST", "/v1/stacks/payments/plans", { config });
    expect(plan.status).toBe(201);
    const applied = await server.api<{ resources: Array<{ key_id: string; secret?: string }> }>("POST", `/v1/plans/${plan.body.id}/apply`);
    expect(applied.status).toBe(200);
    const made = { body: { key: { id: applied.body.resources[0].key_id }, secret: applied.body.resources[0].secret! } };
    expect(made.body.secret).toMatch(/^kf_live_/);
    await signIn();
    expect(await page.locator("tr[data-key-name='payments-api'] td:nth-child(8)").textContent()).toBe("payments");
    await page.click("tr[data-key-name='payments-api'] a.key-name");
    await page.waitForSelector("[data-testid=stack-notice]");
    expect(await page.textContent("[data-testid=stack-notice]")).toMatch(/Managed by stack payments.*next plan will notice/);

    await page.click("[data-testid=regenerate]");
    await page.waitForSelector("[data-testid=confirm]");
    await page.selectOption("#grace-period", "1h");
    expect(traffic.posts("/regenerate")).toHaveLength(0);
    await page.click("[data-testid=confirm-ok]");
    await page.waitForSelector("[data-testid=secret-panel]");
    const secret = (await page.textContent("[data-format=plain] pre"))!.trim();
    expect(secret).toMatch(/^kf_live_/);
    expect(secret).not.toBe(made.body.secret);
    expect(JSON.parse(traffic.posts("/regenerate")[0].postData()!)).toEqual({ grace_period: "1h" });
    // Old secret still works during the grace period, the new one at once.
    expect((await server.api<{ valid: boolean }>("POST", "/v1/verify", { key: made.body.secret })).body.valid).toBe(true);
    expect((await server.api<{ valid: boolean }>("POST", "/v1/verify", { key: secret })).body.valid).toBe(true);

    await page.click("[data-testid=secret-done]");
    await page.waitForSelector("[data-testid=secret-dialog]", { state: "detached" });
    await page.waitForSelector("[data-testid=key-fields]");
    expect(await page.content()).not.toContain(secret);
  });

  it("refuses an invalid name in the dialog before sending anything", async () => {
    await signIn();
    await page.click("[data-testid=create-key]");
    const name = page.locator("#key-name");
    const submit = page.locator("[data-testid=create-key-dialog] button[type=submit]");
    for (const bad of ["bad name!", "naïve", "x".repeat(129), "semi;colon"]) {
      await name.fill(bad);
      expect(await name.getAttribute("aria-invalid")).toBe("true");
      expect(await page.locator("#key-name-help").textContent()).toMatch(/Only letters|At most 128/);
      expect(await submit.isDisabled()).toBe(true);
      await name.press("Enter");
    }
    // Force a submit event past the disabled button: the form still refuses.
    await page.evaluate(() => document.querySelector<HTMLFormElement>("[data-testid=create-key-dialog] form")!.requestSubmit());
    await name.fill("");
    await name.press("Enter");
    await page.waitForTimeout(300);
    expect(traffic.posts("/keys")).toHaveLength(0);

    await name.fill("valid_name-1");
    expect(await name.getAttribute("aria-invalid")).toBe("false");
    expect(await submit.isDisabled()).toBe(false);
    expect(traffic.posts("/keys")).toHaveLength(0);
  });

  it("deletes a temp key with one click, filters by type and status", async () => {
    const temp = await server.api<{ key: { id: string } }>("POST", "/v1/accounts/acme/keys", { name: "preview-build", type: "temp" });
    expect(temp.status).toBe(201);
    await signIn();
    const row = page.locator("tr[data-key-name='preview-build']");
    expect(await row.locator(".badge-type-temp").textContent()).toBe("temp");
    expect(await row.locator(".expiry").getAttribute("class")).toContain("expiry-soon");
    await row.locator("[data-testid=quick-delete]").click();
    await page.waitForSelector("tr[data-key-name='preview-build'] [data-status='revoked']");

    await page.selectOption("#filter-type", "temp");
    await page.waitForFunction(() => location.hash === "#/keys?type=temp");
    await page.waitForSelector("tr[data-key-name='preview-build']");
    expect(await page.locator("tr[data-key-name]").count()).toBe(1);
    await page.selectOption("#filter-status", "active");
    await page.waitForSelector("p.empty:not([hidden])");
    expect(await page.locator("tr[data-key-name]").count()).toBe(0);
  });

  it("opens another account from the picker and refuses unknown tokens", async () => {
    expect((await server.api("POST", "/v1/accounts", { id: "globex" })).status).toBe(201);
    await signIn();
    await page.fill("#account-picker", "globex");
    await page.click(".account-picker button");
    await page.waitForSelector(".account-summary:has-text('globex')");
    expect(await page.evaluate(() => sessionStorage.getItem("keyform.account"))).toBe("globex");

    await page.click("text=Sign out");
    await page.waitForSelector("[data-testid=sign-in]");
    expect(await page.evaluate(() => sessionStorage.getItem("keyform.token"))).toBeNull();
    await page.fill("#token", "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON");
    await page.fill("#account", "acme");
    await page.click("[data-testid=sign-in] button[type=submit]");
    await page.waitForSelector(".form-error:not([hidden])");
    expect(await page.textContent(".form-error")).toMatch(/not accepted/);
  });

  it("signs in with an account key and signs out once that key is revoked", async () => {
    const made = await server.api<{ key: { id: string }; secret: string }>("POST", "/v1/accounts/acme/keys", { name: "console-user", scopes: ["keys:manage"], expires_in: "30d" });
    await signIn("acme", made.body.secret);
    expect(await page.textContent(".badge-who")).toBe("account key");
    expect(await page.locator("tr[data-key-name='console-user']").count()).toBe(1);
    // Another account's data is not this key's to see.
    await page.fill("#account-picker", "globex");
    await page.click(".account-picker button");
    await page.waitForSelector(".toast-error");
    expect(await page.evaluate(() => sessionStorage.getItem("keyform.account"))).toBe("acme");

    expect((await server.api("DELETE", `/v1/accounts/acme/keys/${made.body.key.id}`)).status).toBe(204);
    await page.click("a[href='#/stacks']");
    await page.waitForSelector("[data-testid=sign-in]");
    expect(await page.textContent("#toasts")).toContain("no longer accepted");
    expect(await page.evaluate(() => sessionStorage.getItem("keyform.token"))).toBeNull();
  });

  it("renders the API reference from /openapi.json without leaving the server", async () => {
    await page.goto(`${server.baseUrl}/docs`);
    await page.waitForSelector(".opblock-summary-path");
    const paths = await page.locator(".opblock-summary-path").allTextContents();
    expect(paths.map((p) => p.replace(/\u200b/g, ""))).toContain("/v1/accounts/{account}/keys/{id}/regenerate");
    for (const r of traffic.requests) expect(r.url().startsWith(server.baseUrl) || r.url().startsWith("data:")).toBe(true);
  });
});
