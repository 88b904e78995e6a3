import { App, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { ApiKey, KeyformProvider } from "@keyform/cdktf";

/**
 * ../write-only/main.tf in cdktf: a key whose secret never rests in Terraform state. cdktf 0.21 has no
 * construct for `ephemeral` blocks (they came with Terraform 1.10, after cdktf's last release), so the
 * block is written with an escape hatch, `addOverride`, and referenced by its Terraform expression.
 * `secretWo` is an ordinary argument to cdktf; Terraform 1.11 and the provider treat it as write-only.
 */
export class WriteOnlyKeyStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const endpoint = new TerraformVariable(this, "keyform_endpoint", { type: "string", default: "http://127.0.0.1:8080", description: "Base URL of the keyform server." });
    const version = new TerraformVariable(this, "secret_version", { type: "number", default: 1, description: "Change it to rotate the key's secret." });
    new KeyformProvider(this, "keyform", { endpoint: endpoint.stringValue, account: "acme" });

    this.addOverride("ephemeral.keyform_secret.app", {});
    const app = new ApiKey(this, "app", {
      name: "app-backend",
      scopes: ["alerts:send"],
      secretWo: "${ephemeral.keyform_secret.app.value}",
      secretWoVersion: version.numberValue,
      rotationOverlap: "1h",
    });
    // The consumer would take the same "${ephemeral.keyform_secret.app.value}" in its own write-only argument.
    new TerraformOutput(this, "app_key_id", { value: app.id });
  }
}

if (require.main === module) {
  const app = new App();
  new WriteOnlyKeyStack(app, "write-only-key");
  app.synth();
}
