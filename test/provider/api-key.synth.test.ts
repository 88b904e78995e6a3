import { describe, expect, it } from "@jest/globals";
import { TerraformCount, TerraformIterator, TerraformOutput, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { ApiKey, DataKeyformApiKey, KeyformProvider } from "../../provider";
import { synthJson, walk } from "./synth-helpers";

const provider = (stack: Construct) => new KeyformProvider(stack, "keyform", { endpoint: "http://127.0.0.1:8080", account: "acme" });

describe("KeyformProvider", () => {
  it("writes provider.keyform as an array and the source into required_providers", () => {
    const json = synthJson((stack) => provider(stack));
    expect(json.provider).toEqual({ keyform: [{ endpoint: "http://127.0.0.1:8080", account: "acme" }] });
    expect(json.terraform.required_providers).toEqual({ keyform: { source: "keyform/keyform" } });
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
      new ApiKey(stack, "dated", { name: "dated", expiresAt: "2027-01-31T00:00:00Z" });
    });
    expect(json.resource.keyform_api_key.ci).toEqual({
      name: "github-actions",
      type: "live",
      expires_in: "90d",
      scopes: ["keys:read", "alerts:send"],
      account: "globex",
      rotate_every: "30d",
    });
    expect(json.resource.keyform_api_key.dated).toEqual({ name: "dated", expires_at: "2027-01-31T00:00:00Z" });
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
      k.expiresAt = "2027-01-31T00:00:00Z";
      k.scopes = ["keys:read"];
      expect(k.nameInput).toBe("renamed");
      expect(k.expiresInInput).toBeUndefined();
    });
    expect(json.resource.keyform_api_key.k).toEqual({ name: "renamed", expires_at: "2027-01-31T00:00:00Z", scopes: ["keys:read"] });
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
