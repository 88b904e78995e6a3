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

  it("has no token: not in its config, not in the synthesized JSON, even with KEYFORM_TOKEN set", () => {
    const saved = process.env.KEYFORM_TOKEN;
    process.env.KEYFORM_TOKEN = "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON";
    try {
      const json = synthJson((stack) => {
        // A token passed anyway (e.g. from plain JavaScript) must not be written.
        new KeyformProvider(stack, "keyform", { account: "acme", token: "leak" } as never);
        const ci = new ApiKey(stack, "ci", { name: "ci" });
        new DataKeyformApiKey(stack, "d", { name: "ci" });
        new TerraformOutput(stack, "ci_key", { value: ci.secret, sensitive: true });
      });
      const text = JSON.stringify(json);
      expect(text).not.toContain("kf_live_");
      expect(text).not.toContain("leak");
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
