import { App, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { ApiKey, DataKeyformApiKey, KeyformProvider } from "@keyform/cdktf";

/** The version `keyform provider install` installs by default (the package version). */

/**
 * The cdktf twin of ../main.tf: the same keys, the secret handed on as an output. `cdktf deploy` runs
 * it through the real terraform-provider-keyform (install it first: `keyform provider install`).
 */
export class TerraformKeysStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    const endpoint = new TerraformVariable(this, "keyform_endpoint", {
      type: "string",
      default: "http://127.0.0.1:8080",
      description: "Base URL of the keyform server.",
    });
    const ciScopes = new TerraformVariable(this, "ci_scopes", {
      type: "list(string)",
      default: ["alerts:send", "keys:read"],
      description: "Scopes of the CI deploy key.",
    });

    // No token here: the plugin reads KEYFORM_TOKEN from the environment.
    new KeyformProvider(this, "keyform", { endpoint: endpoint.stringValue, account: "acme" });

    const ci = new ApiKey(this, "ci", { name: "ci-deploy", expiresIn: "90d", scopes: ciScopes.listValue, rotateEvery: "30d" });
    const verifier = new ApiKey(this, "verifier", { name: `${ci.name}-verifier`, scopes: ["keys:verify"] });
    const read = new DataKeyformApiKey(this, "ci_read", { id: ci.id });

    new TerraformOutput(this, "ci_secret", { value: ci.secret, sensitive: true });
    new TerraformOutput(this, "ci_key_id", { value: ci.id });
    new TerraformOutput(this, "ci_masked", { value: read.masked });
    new TerraformOutput(this, "verifier_secret", { value: verifier.secret, sensitive: true });
  }
}

if (require.main === module) {
  const app = new App();
  new TerraformKeysStack(app, "terraform-keys");
  app.synth();
}
