import { describe, expect, it } from "@jest/globals";
import { TerraformIterator, TerraformOutput } from "cdktf";
import { ApiKey, DataKeyformApiKey } from "../../provider";
import { acmeProvider as provider, synthJson } from "./synth-helpers";

describe("DataKeyformApiKey", () => {
  it("writes data.keyform_api_key looked up by name or by id, with an account", () => {
    const json = synthJson((stack) => {
      provider(stack);
      new DataKeyformApiKey(stack, "by_name", { name: "legacy", account: "globex" });
      new DataKeyformApiKey(stack, "by_id", { id: "key_0LegacyPartnerKey0000000" });
    });
    expect(json.data.keyform_api_key).toEqual({
      by_name: { name: "legacy", account: "globex" },
      by_id: { id: "key_0LegacyPartnerKey0000000" },
    });
  });

  it.each([
    ["id", "id"],
    ["name", "name"],
    ["account", "account"],
    ["type", "type"],
    ["scopes", "scopes"],
    ["expiresIn", "expires_in"],
    ["expiresAt", "expires_at"],
    ["masked", "masked"],
    ["createdAt", "created_at"],
    ["lastUsedAt", "last_used_at"],
  ] as const)("computed attribute %s references ${data.keyform_api_key.l.%s}", (getter, tfName) => {
    const json = synthJson((stack) => {
      provider(stack);
      const l = new DataKeyformApiKey(stack, "l", { name: "legacy" });
      new TerraformOutput(stack, "out", { value: l[getter] });
    });
    expect(json.output.out.value).toBe(`\${data.keyform_api_key.l.${tfName}}`);
  });

  it("has no secret getter", () => {
    expect("secret" in DataKeyformApiKey.prototype).toBe(false);
    expect("secret" in ApiKey.prototype).toBe(true);
  });

  it("supports for_each and depends_on like a resource", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const ci = new ApiKey(stack, "ci", { name: "ci" });
      const names = TerraformIterator.fromList(["a", "b"]);
      new DataKeyformApiKey(stack, "l", { forEach: names, name: names.value, dependsOn: [ci] });
    });
    expect(json.data.keyform_api_key.l).toEqual({ for_each: '${toset(["a", "b"])}', name: "${each.value}", depends_on: ["keyform_api_key.ci"] });
  });
});
