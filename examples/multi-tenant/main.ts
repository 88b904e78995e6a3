import { App, TerraformIterator, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ApiKey, KeyformProvider } from "@keyform/cdktf";

/**
 * The accounts of our tenants, each with the lifetime its contract allows for a backend key.
 * The map's keys are keyform account ids.
 */
export const TENANTS: Record<string, string> = {
  acme: "1y",
  globex: "90d",
  initech: "30d",
};

/** Keys across several accounts: applying this stack needs the operator token. */
export class TenantKeysStack extends TerraformStack {
  readonly tenantKeys: ApiKey;
  readonly onboarding: ApiKey;
  readonly webhooks: ApiKey;
  readonly webhookVerifier: ApiKey;
  readonly billing: ApiKey;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    new KeyformProvider(this, "keyform", { endpoint: "http://127.0.0.1:8080", account: "acme" });
    // A second provider block for the partner account; keys choose it with `provider`.
    const partner = new KeyformProvider(this, "partner", { endpoint: "http://127.0.0.1:8080", account: "umbrella", alias: "partner" });

    // One key per tenant account: keyform_api_key.tenant["acme"], ["globex"], ["initech"].
    const tenants = TerraformIterator.fromMap(TENANTS);
    this.tenantKeys = new ApiKey(this, "tenant", {
      forEach: tenants,
      name: "tenant-backend",
      account: tenants.key,
      expiresIn: tenants.value,
      scopes: ["keys:verify"],
    });

    // A short-lived key for an onboarding script: 5 minutes or 10 verifications.
    this.onboarding = new ApiKey(this, "onboarding", {
      name: "onboarding",
      type: "temp",
      scopes: ["keys:verify"],
    });

    // Replaced every 90 days; the new key exists before the old one is revoked.
    this.webhooks = new ApiKey(this, "webhooks", {
      name: "webhook-signer",
      rotateEvery: "90d",
      scopes: ["alerts:send"],
      lifecycle: { createBeforeDestroy: true },
    });

    // Verifies what webhooks signs; replaced together with the signer, once the new signer exists.
    this.webhookVerifier = new ApiKey(this, "webhook_verifier", {
      name: "webhook-verifier",
      scopes: ["keys:verify"],
      dependsOn: [this.webhooks],
      lifecycle: { replaceTriggeredBy: [this.webhooks] },
    });

    // In the partner account. Never destroyed by a plan; scopes edited by hand are left alone.
    this.billing = new ApiKey(this, "billing", {
      provider: partner,
      name: "billing-export",
      expiresIn: "1y",
      scopes: ["keys:read"],
      lifecycle: { preventDestroy: true, ignoreChanges: ["scopes"] },
    });

    new TerraformOutput(this, "onboarding_key", { value: this.onboarding.secret, sensitive: true });
    new TerraformOutput(this, "webhook_key", { value: this.webhooks.secret, sensitive: true });
    new TerraformOutput(this, "billing_key_masked", { value: this.billing.masked });
  }
}

if (require.main === module) {
  const app = new App();
  new TenantKeysStack(app, "tenants");
  app.synth();
}
