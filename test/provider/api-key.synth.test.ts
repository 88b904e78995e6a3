import { describe, expect, it } from "@jest/globals";
import { TerraformIterator, TerraformOutput } from "cdktf";
import { ApiKey, DataKeyformApiKey, KeyformProvider } from "../../provider";
import { acmeProvider as provider, synthJson } from "./synth-helpers";

describe("ApiKey", () => {
  it("maps every argument to its snake_case Terraform name", () => {
    const json = synthJson((stack) => {
      provider(stack);
      new ApiKey(stack, "ci", {
        name: "github-actions",
        type: "live",
        expiresIn: "90d",
        scopes: ["keys:read", "alerts:send"],
        account: "globex",
        rotateEvery: "30d",
      });
      new ApiKey(stack, "dated", { name: "dated", expiresAt: "2099-01-31T00:00:00Z" });
    });
    expect(json.resource.keyform_api_key.ci).toEqual({
      name: "github-actions",
      type: "live",
      expires_in: "90d",
      scopes: ["keys:read", "alerts:send"],
      account: "globex",
      rotate_every: "30d",
    });
    expect(json.resource.keyform_api_key.dated).toEqual({ name: "dated", expires_at: "2099-01-31T00:00:00Z" });
  });

  it("writes only the arguments that are set (type defaults on the server, not in JSON)", () => {
    const json = synthJson((stack) => {
      provider(stack);
      new ApiKey(stack, "k", { name: "k" });
    });
    expect(json.resource.keyform_api_key.k).toEqual({ name: "k" });
  });

  it("setters and resets change what is synthesized", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const k = new ApiKey(stack, "k", { name: "k", expiresIn: "30d", scopes: ["a"] });
      k.name = "renamed";
      k.resetExpiresIn();
      k.expiresAt = "2099-01-31T00:00:00Z";
      k.scopes = ["keys:read"];
      expect(k.nameInput).toBe("renamed");
      expect(k.expiresInInput).toBeUndefined();
    });
    expect(json.resource.keyform_api_key.k).toEqual({ name: "renamed", expires_at: "2099-01-31T00:00:00Z", scopes: ["keys:read"] });
  });

  it.each([
    ["id", "id"],
    ["secret", "secret"],
    ["masked", "masked"],
    ["createdAt", "created_at"],
    ["expiresAt", "expires_at"],
    ["lastUsedAt", "last_used_at"],
    ["account", "account"],
    ["type", "type"],
  ] as const)("computed attribute %s references ${keyform_api_key.ci.%s}", (getter, tfName) => {
    const json = synthJson((stack) => {
      provider(stack);
      const ci = new ApiKey(stack, "ci", { name: "github-actions" });
      new TerraformOutput(stack, "out", { value: ci[getter] });
    });
    expect(json.output.out.value).toBe(`\${keyform_api_key.ci.${tfName}}`);
  });

  it("passes references between keys through, e.g. one key's id into another's name", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const a = new ApiKey(stack, "a", { name: "a" });
      new ApiKey(stack, "b", { name: `copy-of-${a.id}`, scopes: a.scopes });
    });
    expect(json.resource.keyform_api_key.b).toEqual({ name: "copy-of-${keyform_api_key.a.id}", scopes: "${keyform_api_key.a.scopes}" });
  });

  it("writes a sensitive output for the secret", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const ci = new ApiKey(stack, "ci", { name: "github-actions" });
      new TerraformOutput(stack, "ci_key", { value: ci.secret, sensitive: true });
    });
    expect(json.output).toEqual({ ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true } });
  });

  it("matches the snapshot of a stack using every feature", () => {
    const json = synthJson((stack) => {
      const p = provider(stack);
      new KeyformProvider(stack, "beta", { account: "beta", alias: "beta" });
      const other = new ApiKey(stack, "other", { name: "other", type: "temp" });
      const ci = new ApiKey(stack, "ci", {
        name: "github-actions",
        expiresIn: "90d",
        scopes: ["keys:read"],
        rotateEvery: "90d",
        dependsOn: [other],
        lifecycle: { preventDestroy: true, ignoreChanges: ["scopes"], createBeforeDestroy: true, replaceTriggeredBy: [other] },
      });
      const tenants = TerraformIterator.fromMap({ acme: "1y", globex: "90d" });
      new ApiKey(stack, "tenant", { forEach: tenants, name: "backend", account: tenants.key, expiresIn: tenants.value });
      new ApiKey(stack, "legacy", { name: "legacy" }).importFrom("key_123", p);
      new ApiKey(stack, "new", { name: "renamed" }).addMoveTarget("new");
      new ApiKey(stack, "old", { name: "renamed" }).moveTo("new");
      const lookup = new DataKeyformApiKey(stack, "lookup", { id: "key_0LegacyPartnerKey0000000" });
      new TerraformOutput(stack, "ci_key", { value: ci.secret, sensitive: true });
      new TerraformOutput(stack, "legacy_masked", { value: lookup.masked });
    });
    expect(json).toMatchSnapshot();
  });
});
