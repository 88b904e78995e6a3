import { App, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ApiKey, KeyformProvider } from "@keyform/cdktf";

/** One live key for CI, its secret handed on as a sensitive output. */
export class KeysStack extends TerraformStack {
  readonly ciKey: ApiKey;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    // No token here: `keyform plan` / `keyform apply` read KEYFORM_TOKEN from the environment.
    new KeyformProvider(this, "keyform", { endpoint: "http://127.0.0.1:8080", account: "acme" });

    this.ciKey = new ApiKey(this, "ci", {
      name: "github-actions",
      expiresIn: "90d",
      scopes: ["keys:read", "alerts:send"],
    });

    new TerraformOutput(this, "ci_key", {
      value: this.ciKey.secret,
      sensitive: true,
      description: "API key for the GitHub Actions workflows; `keyform output ci_key --format github` hands it on.",
    });
    new TerraformOutput(this, "ci_key_id", { value: this.ciKey.id });
  }
}

if (require.main === module) {
  const app = new App();
  new KeysStack(app, "keys");
  app.synth();
}
