import { App, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ApiKey, DataKeyformApiKey, KeyformProvider } from "@keyform/cdktf";

/**
 * The keyform key id (`key_…`) the legacy UUID key got when it was imported into keyform
 * (`POST /v1/accounts/acme/keys/import`, or `keyform keys list --type legacy`). Not the UUID itself:
 * the secret never appears in infra code.
 */
export const LEGACY_KEY_ID = "key_0LegacyPartnerKey0000000";

/**
 * Step 1 adopts the legacy key into the stack under the resource `legacy`; step 2, after step 1 is
 * applied, gives the resource a better name (`partner_api`) without replacing the key.
 */
export type AdoptionStep = 1 | 2;

export interface LegacyKeysStackProps {
  readonly step: AdoptionStep;
  readonly legacyKeyId?: string;
}

export class LegacyKeysStack extends TerraformStack {
  readonly key: ApiKey;

  constructor(scope: Construct, id: string, props: LegacyKeysStackProps) {
    super(scope, id);
    const legacyKeyId = props.legacyKeyId ?? LEGACY_KEY_ID;

    const keyform = new KeyformProvider(this, "keyform", { endpoint: "http://127.0.0.1:8080", account: "acme" });

    // Arguments describe the key as it is, so the import plans no change to it.
    const legacy = new ApiKey(this, "legacy", {
      name: "partner-api",
      scopes: ["keys:read"],
      expiresIn: "never",
    });

    if (props.step === 1) {
      legacy.importFrom(legacyKeyId, keyform);
      this.key = legacy;
    } else {
      // keyform_api_key.legacy → keyform_api_key.partner_api, same key, same id.
      this.key = new ApiKey(this, "partner_api", {
        name: "partner-api",
        scopes: ["keys:read"],
        expiresIn: "never",
      });
      this.key.addMoveTarget("partner_api");
      legacy.moveTo("partner_api");
    }

    // Reads the key outside the stack's ownership, e.g. to show its masked form on a dashboard.
    const lookup = new DataKeyformApiKey(this, "legacy_lookup", { id: legacyKeyId });
    new TerraformOutput(this, "legacy_key_masked", { value: lookup.masked });
    new TerraformOutput(this, "legacy_key_last_used_at", { value: lookup.lastUsedAt });
  }
}

if (require.main === module) {
  const app = new App();
  new LegacyKeysStack(app, "legacy", { step: process.env.STEP === "1" ? 1 : 2 });
  app.synth();
}
