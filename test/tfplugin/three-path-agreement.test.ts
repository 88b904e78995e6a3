/**
 * One table of keyform_api_key configurations, fed to the three paths that judge them:
 *   (a) keyform's reconciler: a REST plan on a real keyform server (SQLite),
 *   (b) the cdktf constructs (@keyform/cdktf): validation when the app is synthesized,
 *   (c) the Terraform provider plugin over gRPC: ValidateResourceConfig, then (as Terraform does, only
 *       when that passes) PlanResourceChange of a create.
 * All three accept the same configurations and refuse the same ones, naming the same attributes; the
 * paths that carry an error code (the reconciler, the constructs) name the same codes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiKey, type ApiKeyConfig, KeyformProvider } from "@keyform/cdktf";
import { TerraformStack, Testing } from "cdktf";
import { apiKeySchema, providerSchema } from "../../provider/plugin/schema";
import { attributeNames } from "../../provider/plugin/wire-schema";
import { ADMIN_TOKEN, Harness } from "../support/harness";
import { dv, PluginClient } from "./plugin-client";
import { proposedNew, resourceConfig } from "./tfplugin-harness";

jest.setTimeout(120_000);

const TYPE = "keyform_api_key";
const R = attributeNames(apiKeySchema);
const P = attributeNames(providerSchema);

type Args = Record<string, string | number | string[]>;
/** What a path says about one configuration: nothing (accepted), or its errors as `CODE@attribute`. */
type Verdict = string[];

const FUTURE = "2031-01-31T00:00:00Z";

/** [what, arguments (Terraform names), the expected errors as `CODE@attribute`, sorted]. */
const CASES: [string, Args, Verdict][] = [
  ["a minimal key", { name: "min" }, []],
  ["a full live key", { name: "full", type: "live", expires_in: "90d", scopes: ["keys:read", "alerts:send"], account: "acme", rotate_every: "30d", rotation_overlap: "12h" }, []],
  ["a key with a future expires_at", { name: "dated", expires_at: FUTURE }, []],
  ["a temp key", { name: "temporary", type: "temp", scopes: ["keys:verify"] }, []],
  ["a key that never expires", { name: "forever", expires_in: "never", rotate_every: "1y" }, []],
  ["a name with spaces", { name: "has spaces" }, ["VALIDATION_FAILED@name"]],
  ["a 129-character name", { name: "x".repeat(129) }, ["VALIDATION_FAILED@name"]],
  ["a scope with a space", { name: "k", scopes: ["keys:read", "has space"] }, ["VALIDATION_FAILED@scopes"]],
  ["a 129-character scope", { name: "k", scopes: ["s".repeat(129)] }, ["VALIDATION_FAILED@scopes"]],
  ["65 scopes", { name: "k", scopes: Array.from({ length: 65 }, (_, i) => `s${i}`) }, ["VALIDATION_FAILED@scopes"]],
  ["a temp key with expires_in", { name: "k", type: "temp", expires_in: "30d" }, ["VALIDATION_FAILED@expires_in"]],
  ["a temp key with expires_at", { name: "k", type: "temp", expires_at: FUTURE }, ["VALIDATION_FAILED@expires_at"]],
  ["a temp key with rotation_overlap", { name: "k", type: "temp", rotate_every: "1d", rotation_overlap: "1h" }, ["VALIDATION_FAILED@rotation_overlap"]],
  ["an expires_at in the past, on create", { name: "k", expires_at: "2020-01-01T00:00:00Z" }, ["VALIDATION_FAILED@expires_at"]],
  ["an expires_at that is not RFC 3339", { name: "k", expires_at: "next tuesday" }, ["VALIDATION_FAILED@expires_at"]],
  ["expires_in 45d", { name: "k", expires_in: "45d" }, ["VALIDATION_FAILED@expires_in"]],
  ["expires_in together with expires_at", { name: "k", expires_in: "90d", expires_at: FUTURE }, ["VALIDATION_FAILED@expires_at"]],
  ["rotate_every 0d", { name: "k", rotate_every: "0d" }, ["VALIDATION_FAILED@rotate_every"]],
  ["rotate_every \"3 months\"", { name: "k", rotate_every: "3 months" }, ["VALIDATION_FAILED@rotate_every"]],
  ["rotation_overlap over 24h", { name: "k", rotate_every: "30d", rotation_overlap: "25h" }, ["VALIDATION_FAILED@rotation_overlap"]],
  ["an unknown type", { name: "k", type: "premium" }, ["VALIDATION_FAILED@type"]],
  ["type legacy", { name: "k", type: "legacy" }, ["LEGACY_KEYS_CANNOT_BE_CREATED@type"]],
  ["no name", {}, ["VALIDATION_FAILED@name"]],
  ["an account that is not an account id", { name: "k", account: "Not_An_Account" }, ["VALIDATION_FAILED@account"]],
  ["two problems at once", { name: "bad name", rotate_every: "0d" }, ["VALIDATION_FAILED@name", "VALIDATION_FAILED@rotate_every"]],
];

const camel = (tf: string) => tf.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

let harness: Harness;
let server: Server;
let client: PluginClient;
let stackNo = 0;

beforeAll(async () => {
  harness = await Harness.start("sqlite");
  await harness.account("acme");
  server = await new Promise((res) => {
    const s = createServer(harness.app).listen(0, "127.0.0.1", () => res(s));
  });
  client = await PluginClient.start({ KEYFORM_TOKEN: ADMIN_TOKEN });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const configured = await client.call("ConfigureProvider", { terraform_version: "1.11.4", config: dv({ endpoint, account: "acme", token: null }, P) });
  expect(configured.diagnostics ?? []).toEqual([]);
});

afterAll(async () => {
  client?.close();
  if (server) {
    server.closeAllConnections();
    await new Promise((res) => server.close(res));
  }
  await harness?.close();
});

/** (a) The reconciler: a plan of a stack holding this one key. */
async function reconciler(args: Args): Promise<{ verdict: Verdict; raw: unknown }> {
  const config = { provider: { keyform: [{ account: "acme" }] }, resource: { [TYPE]: { k: args } } };
  const res = await harness.as().post(`/v1/stacks/agree-${++stackNo}/plans`, { config });
  if (res.status === 201) return { verdict: [], raw: res.body.diagnostics };
  if (res.status !== 422) throw new Error(`plan answered ${res.status}: ${JSON.stringify(res.body)}`);
  const errors = (res.body.diagnostics as { severity: string; code?: string; attribute?: string }[]).filter((d) => d.severity === "error");
  return { verdict: errors.map((d) => `${d.code ?? "?"}@${d.attribute ?? "?"}`).sort(), raw: errors };
}

/** (b) The constructs: synthesizing an app with this key, construct validations on. */
function constructs(args: Args): { verdict: Verdict; raw: unknown } {
  const config = Object.fromEntries(Object.entries(args).map(([k, v]) => [camel(k), v])) as unknown as ApiKeyConfig;
  const stack = new TerraformStack(Testing.app(), "stack");
  new KeyformProvider(stack, "keyform", { account: "acme" });
  new ApiKey(stack, "k", config);
  try {
    Testing.synth(stack, true);
    return { verdict: [], raw: null };
  } catch (err) {
    const message = (err as Error).message;
    const lines = message.split("\n").filter((l) => l.includes(`${TYPE}: `));
    return { verdict: lines.map((l) => /\[(\w+) @ (\w+)\]$/.exec(l)).map((m) => (m ? `${m[1]}@${m[2]}` : "?@?")).sort(), raw: message };
  }
}

/** (c) The plugin: validate, and when that passes, plan the key's creation. */
async function plugin(args: Args): Promise<{ verdict: Verdict; raw: unknown }> {
  const config = resourceConfig(args);
  const caps = { write_only_attributes_allowed: true };
  const errorsOf = (r: any) => ((r.diagnostics ?? []) as any[]).filter((d) => d.severity === "ERROR");
  let errors = errorsOf(await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(config, R), client_capabilities: caps }));
  if (errors.length === 0) {
    errors = errorsOf(
      await client.call("PlanResourceChange", { type_name: TYPE, prior_state: dv(null, R), proposed_new_state: dv(proposedNew(null, config), R), config: dv(config, R), client_capabilities: caps }),
    );
  }
  // A Terraform diagnostic has no code: it names the attribute (its summary and detail are the constructs' words).
  return {
    verdict: errors.map((d) => `@${d.attribute?.steps?.[0]?.attribute_name ?? "?"}`).sort(),
    raw: errors.map((d) => ({ summary: d.summary, detail: d.detail, attribute: d.attribute?.steps?.[0]?.attribute_name })),
  };
}

describe("reconciler, constructs and provider plugin judge keyform_api_key configurations alike", () => {
  it.each(CASES)("%s", async (_what, args, expected) => {
    const a = await reconciler(args);
    const b = constructs(args);
    const c = await plugin(args);
    const got = { reconciler: a.verdict, constructs: b.verdict, plugin: c.verdict };
    const want = { reconciler: expected, constructs: expected, plugin: expected.map((e) => e.replace(/^\w+@/, "@")) };
    // On a mismatch, what each path said in full.
    if (JSON.stringify(got) !== JSON.stringify(want)) console.log(JSON.stringify({ case: _what, reconciler: a.raw, constructs: b.raw, plugin: c.raw }, null, 1));
    expect(got).toEqual(want);
  });
});
