import { describe, expect, it } from "@jest/globals";
import { TerraformIterator, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { ApiKey, type ApiKeyConfig, DataKeyformApiKey, DURATION_PATTERN, KeyformProvider, apiKeySchema, validateArguments } from "../../provider";
import { parseDuration } from "../../core/keys/expiry";
import { synthValidated } from "./synth-helpers";

const withProvider = (build: (stack: Construct) => void) => (stack: Construct) => {
  new KeyformProvider(stack, "keyform", { account: "acme" });
  build(stack);
};
const synthKey = (config: ApiKeyConfig) => () => synthValidated(withProvider((stack) => new ApiKey(stack, "k", config)));

describe("literal values are checked against the schema when the app is synthesized", () => {
  it("accepts a valid key", () => {
    expect(synthKey({ name: "github-actions", type: "live", expiresIn: "90d", scopes: ["keys:read"], rotateEvery: "90d" })).not.toThrow();
    expect(synthKey({ name: "rotating", rotateEvery: "30d", rotationOverlap: "24h", secretWo: "${ephemeral.keyform_secret.k.value}", secretWoVersion: 1 })).not.toThrow();
    expect(synthKey({ name: "dated", expiresAt: "2099-01-31T00:00:00Z", account: "globex" })).not.toThrow();
  });

  it.each([
    ["a name with spaces", { name: "has spaces" }, /keyform_api_key: name "has spaces" must be 1-128 characters/],
    ["a 129-character name", { name: "x".repeat(129) }, /name "x+" must be 1-128 characters/],
    ["type legacy", { name: "k", type: "legacy" }, /type "legacy" must be one of live, temp/],
    ["expires_in 45d", { name: "k", expiresIn: "45d" }, /expires_in "45d" must be one of 30d, 90d, 1y, 2y, never/],
    ["an expires_at that is not RFC 3339", { name: "k", expiresAt: "next tuesday" }, /expires_at "next tuesday" must be an RFC 3339 date-time/],
    ["expires_in together with expires_at", { name: "k", expiresIn: "90d", expiresAt: "2099-01-31T00:00:00Z" }, /expires_at conflicts with expires_in/],
    ["a scope with spaces", { name: "k", scopes: ["keys:read", "no spaces allowed"] }, /scopes\[1\] "no spaces allowed" must be scopes such as/],
    ["65 scopes", { name: "k", scopes: Array.from({ length: 65 }, (_, i) => `s${i}`) }, /scopes has 65 elements; at most 64/],
    ["an upper-case account", { name: "k", account: "Acme Corp" }, /account "Acme Corp" must be 1-64 characters of a-z 0-9 -/],
    ["rotate_every \"3 months\"", { name: "k", rotateEvery: "3 months" }, /rotate_every "3 months" must be a positive duration/],
    ["a temp key with expires_in", { name: "k", type: "temp", expiresIn: "30d" }, /expires_in must not be set when type is "temp": a temp key expires 5 minutes after creation/],
    ["a temp key with expires_at", { name: "k", type: "temp", expiresAt: "2099-01-31T00:00:00Z" }, /expires_at must not be set when type is "temp"/],
    ["rotate_every 0d", { name: "k", rotateEvery: "0d" }, /rotate_every "0d" must be a positive duration/],
    ["rotation_overlap over 24h", { name: "k", rotateEvery: "30d", rotationOverlap: "25h" }, /rotation_overlap "25h" must be a positive duration of at most 24h/],
    ["rotation_overlap 2d", { name: "k", rotateEvery: "30d", rotationOverlap: "2d" }, /rotation_overlap "2d" must be a positive duration of at most 24h/],
    ["secret_wo_version without secret_wo", { name: "k", secretWoVersion: 2 }, /secret_wo_version needs secret_wo/],
    ["a temp key with rotation_overlap", { name: "k", type: "temp", rotateEvery: "1d", rotationOverlap: "1h" }, /rotation_overlap must not be set when type is "temp"/],
  ] as [string, ApiKeyConfig, RegExp][])("refuses %s", (_label, config, message) => {
    expect(synthKey(config)).toThrow(message);
  });

  it("leaves plain strings holding a Terraform interpolation to the plan, in arguments and list elements", () => {
    expect(synthKey({ name: "svc-${each.key}", scopes: ["${var.scope}", "alerts:send"], account: "${var.account}" })).not.toThrow();
    // Everything around the interpolation is still checked.
    expect(synthKey({ name: "svc-${each.key}", scopes: ["no spaces allowed"] })).toThrow(/scopes\[0\] "no spaces allowed"/);
  });

  it("reports a missing required name (plain JavaScript callers)", () => {
    expect(synthKey({} as ApiKeyConfig)).toThrow(/keyform_api_key: name is required/);
  });

  it("leaves tokens to the plan: variables, iterator values and references pass", () => {
    expect(() =>
      synthValidated(
        withProvider((stack) => {
          const v = new TerraformVariable(stack, "name", { type: "string" });
          const other = new ApiKey(stack, "other", { name: "other" });
          const it = TerraformIterator.fromMap({ acme: "90d" });
          new ApiKey(stack, "k", { name: v.stringValue, scopes: [other.id], forEach: it, account: it.key, expiresIn: it.value, expiresAt: undefined });
          new ApiKey(stack, "l", { name: "l", scopes: other.scopes, rotateEvery: v.stringValue });
        }),
      ),
    ).not.toThrow();
  });

  it("the data source needs exactly one of name and id, and a well-formed id", () => {
    const synthData = (config: object) => () => synthValidated(withProvider((stack) => new DataKeyformApiKey(stack, "d", config)));
    expect(synthData({ name: "legacy" })).not.toThrow();
    expect(synthData({ id: "key_0LegacyPartnerKey0000000", account: "acme" })).not.toThrow();
    expect(synthData({})).toThrow(/exactly one of name, id must be set/);
    expect(synthData({ name: "legacy", id: "key_0LegacyPartnerKey0000000" })).toThrow(/exactly one of name, id must be set \(got name, id\)/);
    expect(synthData({ id: "dc746828-6bab-43d7-b01d-cc74eeb9759b" })).toThrow(/id "dc746828-[^"]*" must be key_ followed by 24 base62/);
  });

  it("the provider's endpoint must be an http(s) URL and its account well formed", () => {
    const synthProvider = (config: object) => () => synthValidated((stack) => new KeyformProvider(stack, "keyform", config));
    expect(synthProvider({ endpoint: "http://127.0.0.1:8080", account: "acme" })).not.toThrow();
    expect(synthProvider({ endpoint: "127.0.0.1:8080" })).toThrow(/keyform: endpoint "127.0.0.1:8080" must be an http\(s\) URL/);
    expect(synthProvider({ account: "ACME" })).toThrow(/keyform: account "ACME" must be 1-64/);
  });

  it("a key without a keyform provider in its stack fails, as with any generated provider", () => {
    expect(() => synthValidated((stack) => new ApiKey(stack, "k", { name: "k" }))).toThrow(/without a matching provider construct[\s\S]*keyform/);
  });
});

describe("validateArguments", () => {
  it("returns every problem at once", () => {
    expect(validateArguments(apiKeySchema, { name: "bad name", type: "legacy", expires_in: "90d", expires_at: "2099-01-31T00:00:00Z" })).toEqual([
      'name "bad name" must be 1-128 characters of A-Z a-z 0-9 - _',
      'type "legacy" must be one of live, temp',
      "expires_at conflicts with expires_in: set only one",
    ]);
  });

  it("reports wrong types once per value, as plain JavaScript callers can pass them", () => {
    expect(validateArguments(apiKeySchema, { name: 5, scopes: ["keys:read", 7] })).toEqual(["name must be a string", "scopes[1] 7 must be a string"]);
    expect(validateArguments(apiKeySchema, { name: "k", scopes: "keys:read" })).toEqual(["scopes must be a list of strings"]);
  });

  it("DURATION_PATTERN accepts exactly what the server's parseDuration parses", () => {
    const samples = ["90d", "12h", "30m", "45s", "1y", "999999d", "1000000d", "90D", "1w", "d", "-1d", " 90d", "1.5d", ""];
    for (const s of samples) expect([s, new RegExp(DURATION_PATTERN).test(s)]).toEqual([s, parseDuration(s) !== null]);
  });
});
