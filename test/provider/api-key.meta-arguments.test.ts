import { describe, expect, it } from "@jest/globals";
import { TerraformCount, TerraformIterator, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { ApiKey, DataKeyformApiKey } from "../../provider";
import { acmeProvider as provider, synthJson } from "./synth-helpers";

describe("ApiKey meta-arguments synthesize exactly as cdktf writes them", () => {
  it("synthesizes every lifecycle option as cdktf does", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const other = new ApiKey(stack, "other", { name: "other" });
      new ApiKey(stack, "ci", {
        name: "ci",
        lifecycle: {
          preventDestroy: true,
          ignoreChanges: ["scopes"],
          createBeforeDestroy: true,
          replaceTriggeredBy: [other, "keyform_api_key.other.id"],
        },
      });
      new ApiKey(stack, "all", { name: "all", lifecycle: { ignoreChanges: "all" } });
    });
    expect(json.resource.keyform_api_key.ci.lifecycle).toEqual({
      prevent_destroy: true,
      ignore_changes: ["scopes"],
      create_before_destroy: true,
      replace_triggered_by: ["${keyform_api_key.other}", "keyform_api_key.other.id"],
    });
    expect(json.resource.keyform_api_key.all.lifecycle).toEqual({ ignore_changes: "all" });
  });

  it("writes depends_on as resource addresses", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const other = new ApiKey(stack, "other", { name: "other" });
      const lookup = new DataKeyformApiKey(stack, "lookup", { name: "legacy" });
      new ApiKey(stack, "ci", { name: "ci", dependsOn: [other, lookup] });
    });
    expect(json.resource.keyform_api_key.ci.depends_on).toEqual(["keyform_api_key.other", "data.keyform_api_key.lookup"]);
  });

  it("for_each over TerraformIterator.fromList writes toset([...]) and ${each.value}", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const names = TerraformIterator.fromList(["ci", "staging"]);
      new ApiKey(stack, "k", { forEach: names, name: names.value });
    });
    expect(json.resource.keyform_api_key.k).toEqual({ for_each: '${toset(["ci", "staging"])}', name: "${each.value}" });
  });

  it("for_each over TerraformIterator.fromMap writes the map and ${each.key} / ${each.value}", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const tenants = TerraformIterator.fromMap({ acme: "1y", globex: "90d" });
      new ApiKey(stack, "k", { forEach: tenants, name: "backend", account: tenants.key, expiresIn: tenants.value });
    });
    expect(json.resource.keyform_api_key.k).toEqual({
      for_each: { acme: "1y", globex: "90d" },
      name: "backend",
      account: "${each.key}",
      expires_in: "${each.value}",
    });
  });

  it("for_each over a variable wraps the reference in toset()", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const v = new TerraformVariable(stack, "names", { type: "set(string)", default: ["a", "b"] });
      const names = TerraformIterator.fromList(v.listValue);
      new ApiKey(stack, "k", { forEach: names, name: names.value });
    });
    expect(json.resource.keyform_api_key.k.for_each).toBe("${toset(var.names)}");
    expect(json.variable.names.default).toEqual(["a", "b"]);
  });

  it("count writes a number and ${count.index}", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const count = TerraformCount.of(3);
      // count.index is a number token: it goes into a string through Token.asString.
      new ApiKey(stack, "worker", { count, name: `worker-${Token.asString(count.index)}` });
      new ApiKey(stack, "plain", { count: 2, name: "plain" });
    });
    expect(json.resource.keyform_api_key.worker).toEqual({ count: 3, name: "worker-${count.index}" });
    expect(json.resource.keyform_api_key.plain.count).toBe(2);
  });

  it("importFrom writes an import block, with the provider when given", () => {
    const json = synthJson((stack) => {
      const p = provider(stack);
      new ApiKey(stack, "legacy", { name: "legacy" }).importFrom("key_123", p);
      new ApiKey(stack, "bare", { name: "bare" }).importFrom("key_456");
    });
    expect(json.import).toEqual([
      { id: "key_123", to: "keyform_api_key.legacy", provider: "keyform" },
      { id: "key_456", to: "keyform_api_key.bare" },
    ]);
    expect(json.resource.keyform_api_key.legacy).toEqual({ name: "legacy" });
  });

  it("moveTo/addMoveTarget writes a moved block and drops the old resource", () => {
    const json = synthJson((stack) => {
      provider(stack);
      new ApiKey(stack, "new", { name: "renamed" }).addMoveTarget("renamed");
      new ApiKey(stack, "old", { name: "renamed" }).moveTo("renamed");
    });
    expect(json.moved).toEqual([{ from: "keyform_api_key.old", to: "keyform_api_key.new" }]);
    expect(Object.keys(json.resource.keyform_api_key)).toEqual(["new"]);
  });

  it("moveTo with an index targets one instance of a for_each or count resource", () => {
    const json = synthJson((stack) => {
      provider(stack);
      const tenants = TerraformIterator.fromMap({ acme: "1y" });
      new ApiKey(stack, "tenant", { forEach: tenants, name: "backend", account: tenants.key }).addMoveTarget("tenants");
      new ApiKey(stack, "workers", { count: 2, name: "w" }).addMoveTarget("workers");
      new ApiKey(stack, "acme_backend", { name: "backend", account: "acme" }).moveTo("tenants", "acme");
      new ApiKey(stack, "w0", { name: "w" }).moveTo("workers", 1);
    });
    expect(json.moved).toEqual([
      { from: "keyform_api_key.acme_backend", to: 'keyform_api_key.tenant["acme"]' },
      { from: "keyform_api_key.w0", to: "keyform_api_key.workers[1]" },
    ]);
  });

  it("moveToId writes a moved block to a plain address", () => {
    const json = synthJson((stack) => {
      provider(stack);
      new ApiKey(stack, "old", { name: "k" }).moveToId("keyform_api_key.new");
      new ApiKey(stack, "new", { name: "k" });
    });
    expect(json.moved).toEqual([{ from: "keyform_api_key.old", to: "keyform_api_key.new" }]);
  });

  it("gives nested constructs the cdktf logical name <path>_<HASH>", () => {
    const json = synthJson((stack) => {
      provider(stack);
      new ApiKey(new Construct(stack, "team"), "ci", { name: "ci" });
    });
    expect(Object.keys(json.resource.keyform_api_key)).toEqual([expect.stringMatching(/^team_ci_[0-9A-F]{8}$/)]);
  });

  it("generateConfigForImport declares an importable keyform_api_key", () => {
    const json = synthJson((stack) => {
      provider(stack);
      ApiKey.generateConfigForImport(stack, "adopted", "key_789");
    });
    expect(json.import).toEqual([{ id: "key_789", to: "keyform_api_key.adopted" }]);
  });
});
