import { describe, expect, it } from "@jest/globals";
import { TerraformOutput } from "cdktf";
import { ApiKey, DataKeyformApiKey, KeyformProvider, PROVIDER_VERSION } from "../../provider";
import { acmeProvider as provider, synthJson, walk } from "./synth-helpers";

describe("KeyformProvider", () => {
  it("writes provider.keyform as an array and the source into required_providers", () => {
    const json = synthJson((stack) => provider(stack));
    expect(json.provider).toEqual({ keyform: [{ endpoint: "http://127.0.0.1:8080", account: "acme" }] });
    expect(json.terraform.required_providers).toEqual({ keyform: { source: "keyform/keyform", version: PROVIDER_VERSION } });
  });

  it("adds an aliased provider as a second entry, and resources name it as keyform.<alias>", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const beta = new KeyformProvider(stack, "beta", { account: "beta", alias: "beta" });
      new ApiKey(stack, "k", { name: "k", provider: beta });
    });
    expect(json.provider.keyform).toEqual([
      { endpoint: "http://127.0.0.1:8080", account: "acme" },
      { account: "beta", alias: "beta" },
    ]);
    expect(json.resource.keyform_api_key.k.provider).toBe("keyform.beta");
  });

  it("never writes KEYFORM_TOKEN; writes token only when given (meant for an ephemeral reference)", () => {
    const saved = process.env.KEYFORM_TOKEN;
    process.env.KEYFORM_TOKEN = "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON";
    try {
      const withRef = synthJson((stack) => {
        new KeyformProvider(stack, "keyform", { account: "acme", token: "${ephemeral.keyform_temp_key.run.secret}" });
      });
      expect(withRef.provider.keyform).toEqual([{ account: "acme", token: "${ephemeral.keyform_temp_key.run.secret}" }]);
      const json = synthJson((stack) => {
        new KeyformProvider(stack, "keyform", { account: "acme" });
        const ci = new ApiKey(stack, "ci", { name: "ci" });
        new DataKeyformApiKey(stack, "d", { name: "ci" });
        new TerraformOutput(stack, "ci_key", { value: ci.secret, sensitive: true });
      });
      const text = JSON.stringify(json);
      expect(text).not.toContain("kf_live_");
      const tokenKeys = [...walk(json)].filter((n) => n.key !== undefined && /token/i.test(n.key)).map((n) => n.path);
      expect(tokenKeys).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.KEYFORM_TOKEN;
      else process.env.KEYFORM_TOKEN = saved;
    }
  });

  it("exposes its inputs and can reset them", () => {
    const json = synthJson((stack) => {
      const p = provider(stack);
      expect(p.endpointInput).toBe("http://127.0.0.1:8080");
      p.resetEndpoint();
      p.account = "globex";
    });
    expect(json.provider.keyform).toEqual([{ account: "globex" }]);
  });
});
