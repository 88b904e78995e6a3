/**
 * Writes the README's console screenshots into docs/screenshots/ from a seeded, real server:
 *   npx tsx test/console/take-screenshots.ts
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { ADMIN_TOKEN, launchChromium, startServer } from "./harness";

const OUT = path.resolve(__dirname, "../../docs/screenshots");

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await server.api<Record<string, any>>(method, p, body);
      if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await call("POST", "/v1/accounts", { id: "acme", name: "Acme Corp", key_limit: 25, max_expiry: "2y" });
    const keys = "/v1/accounts/acme/keys";
    const gateway = await call("POST", keys, { name: "api-gateway", expires_in: "1y", scopes: ["keys:verify"] });
    await call("POST", keys, { name: "ci-deploy", expires_in: "90d", scopes: ["keys:manage"] });
    await call("POST", keys, { name: "billing-webhook", expires_at: new Date(Date.now() + 9 * 86_400_000).toISOString(), scopes: ["billing:write"] });
    await call("POST", `${keys}/import`, { name: "old-monolith", secret: randomUUID() });
    await call("POST", keys, { name: "preview-build", type: "temp" });
    const staging = await call("POST", keys, { name: "staging-alerts", expires_in: "30d", scopes: ["alerts:send"] });
    await call("DELETE", `${keys}/${staging.key.id}`);
    for (let i = 0; i < 7; i++) await call("POST", "/v1/verify", { key: gateway.secret });

    // A stack, applied once, and a second plan that changes it.
    const stack = (resources: Record<string, unknown>) => ({
      "//": { metadata: { backend: "local", stackName: "payments", version: "0.21.0" } },
      provider: { keyform: [{ account: "acme" }] },
      resource: { keyform_api_key: resources },
      output: { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true } },
    });
    const first = await call("POST", "/v1/stacks/payments/plans", {
      config: stack({
        ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] },
        webhook: { name: "payments-webhook", expires_in: "1y" },
        batch: { name: "nightly-batch", expires_in: "30d" },
      }),
    });
    await call("POST", `/v1/plans/${first.id}/apply`);
    const second = await call("POST", "/v1/stacks/payments/plans", {
      config: stack({
        ci: { name: "github-actions-eu", expires_in: "90d", scopes: ["alerts:send", "keys:read"] },
        webhook: { name: "payments-webhook", expires_in: "1y" },
        reports: { name: "reports-export", expires_in: "90d", scopes: ["reports:read"] },
      }),
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 620 }, deviceScaleFactor: 1 });
    await page.goto(`${server.baseUrl}/console`);
    await page.fill("#token", ADMIN_TOKEN);
    await page.fill("#account", "acme");
    await page.click("[data-testid=sign-in] button[type=submit]");
    await page.waitForSelector("main[data-ready=keys]");
    await page.screenshot({ path: path.join(OUT, "console-keys.png"), fullPage: true });

    await page.click("tr[data-key-name='api-gateway'] a.key-name");
    await page.waitForSelector("[data-testid=key-fields]");
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: path.join(OUT, "console-key-details.png") });

    await page.goto(`${server.baseUrl}/console#/keys`);
    await page.waitForSelector("main[data-ready=keys]");
    await page.click("[data-testid=create-key]");
    await page.fill("#key-name", "analytics-export");
    await page.check("input[value='keys:read']");
    await page.click("[data-testid=create-key-dialog] button[type=submit]");
    await page.waitForSelector("[data-testid=secret-panel]");
    await page.screenshot({ path: path.join(OUT, "console-secret-once.png") });
    await page.click("[data-testid=secret-done]");

    await page.goto(`${server.baseUrl}/console#/plans/${second.id}`);
    await page.waitForSelector("[data-testid=plan-text]");
    await page.setViewportSize({ width: 1280, height: 1100 });
    await page.screenshot({ path: path.join(OUT, "console-plan.png"), fullPage: true });

    await page.goto(`${server.baseUrl}/console#/stacks/payments`);
    await page.waitForSelector("h1:has-text('payments')");
    await page.setViewportSize({ width: 1280, height: 760 });
    await page.screenshot({ path: path.join(OUT, "console-stack.png") });
    console.log(`screenshots written to ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
