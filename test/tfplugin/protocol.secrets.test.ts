import { parseSecret } from "../../core/keys/secret-format";
import type { ObjectValue } from "../../provider/plugin/cty";
import { apiKeySchema, providerSchema, secretEphemeralSchema, tempKeyEphemeralSchema } from "../../provider/plugin/schema";
import { attributeNames } from "../../provider/plugin/wire-schema";
import { api } from "../support/cli";
import { dv, fromDv, PluginClient } from "./plugin-client";
import { proposedNew, resourceConfig, startKeyformServer, UNKNOWN } from "./tfplugin-harness";

jest.setTimeout(90_000);

const R = attributeNames(apiKeySchema);
const P = attributeNames(providerSchema);
const S = attributeNames(secretEphemeralSchema);
const T = attributeNames(tempKeyEphemeralSchema);
const TYPE = "keyform_api_key";
/** What Terraform 1.11 announces; an older Terraform sends no client capabilities at all. */
const TF_111 = { deferral_allowed: true, write_only_attributes_allowed: true };
const SECRET_SHAPE = /kf_(live|temp)_[0-9A-Za-z]{36}/;

const object = (attrs: readonly string[], values: Record<string, unknown>): ObjectValue =>
  Object.fromEntries(attrs.map((a) => [a, (values[a] as ObjectValue[string]) ?? null]));
const diagSummary = (r: any) => (r.diagnostics ?? []).map((d: any) => `${d.severity} ${d.summary} @${d.attribute?.steps?.[0]?.attribute_name ?? "-"}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("secrets that never rest in Terraform state: tfplugin6 6.7/6.8 against a real keyform server (MariaDB)", () => {
  let server: Awaited<ReturnType<typeof startKeyformServer>>;
  let client: PluginClient;
  const verify = async (key: string) => (await api(server.endpoint, server.token, "POST", "/v1/verify", { key })).body;

  beforeAll(async () => {
    server = await startKeyformServer();
    await server.harness.account("acme");
    client = await PluginClient.start({ KEYFORM_TOKEN: server.token });
    const configured = await client.call("ConfigureProvider", { terraform_version: "1.11.4", config: dv({ endpoint: server.endpoint, account: "acme", token: null }, P) });
    expect(configured.diagnostics ?? []).toEqual([]);
  });
  afterAll(async () => {
    // As Terraform ends a plugin: Shutdown, then the process exits by itself.
    await client?.shutdown().catch(() => undefined);
    await client?.exited;
    client?.close();
    await server?.close();
  });

  async function openSecret(type: string | null = null): Promise<string> {
    const res = await client.call("OpenEphemeralResource", { type_name: "keyform_secret", config: dv(object(S, { type }), S), client_capabilities: TF_111 });
    expect(res.diagnostics ?? []).toEqual([]);
    return fromDv(res.result, S)!.value as string;
  }

  async function plan(prior: ObjectValue | null, config: ObjectValue, opts: { caps?: object | null; priorPrivate?: Buffer } = {}) {
    const res = await client.call("PlanResourceChange", {
      type_name: TYPE,
      prior_state: dv(prior, R),
      // Worst case: a proposal carrying the write-only value, which the plan must drop.
      proposed_new_state: dv({ ...proposedNew(prior, config), secret_wo: config.secret_wo }, R),
      config: dv(config, R),
      prior_private: opts.priorPrivate,
      ...(opts.caps === null ? {} : { client_capabilities: opts.caps ?? TF_111 }),
    });
    return { ...res, planned: res.planned_state ? fromDv(res.planned_state, R) : null, replace: (res.requires_replace ?? []).map((p: any) => p.steps[0].attribute_name) };
  }

  async function apply(prior: ObjectValue | null, planned: ObjectValue | null, config: ObjectValue | null, plannedPrivate?: Buffer) {
    const res = await client.call("ApplyResourceChange", { type_name: TYPE, prior_state: dv(prior, R), planned_state: dv(planned, R), config: dv(config, R), planned_private: plannedPrivate });
    return { ...res, state: fromDv(res.new_state, R), private: res.private as Buffer | undefined };
  }

  it("GetMetadata and GetProviderSchema announce the ephemeral resources and the write-only argument", async () => {
    const meta = await client.call("GetMetadata");
    expect(meta.ephemeral_resources).toEqual([{ type_name: "keyform_secret" }, { type_name: "keyform_temp_key" }]);
    const s = await client.call("GetProviderSchema");
    expect(Object.keys(s.ephemeral_resource_schemas).sort()).toEqual(["keyform_secret", "keyform_temp_key"]);
    const attrs = Object.fromEntries(s.resource_schemas[TYPE].block.attributes.map((a: any) => [a.name, a]));
    expect(attrs.secret_wo).toMatchObject({ optional: true, sensitive: true, write_only: true });
    expect(attrs.secret_wo.computed).toBeFalsy();
    expect(Object.values(attrs).filter((a: any) => a.write_only).map((a: any) => a.name)).toEqual(["secret_wo"]);
    expect(JSON.parse(attrs.secret_wo_version.type.toString())).toBe("number");
    expect(s.provider.block.attributes.find((a: any) => a.name === "token")).toMatchObject({ optional: true, sensitive: true });
  });

  it("keyform_secret: a well-formed secret (brand, type, random part, CRC-32) from every open, different each time, no server call", async () => {
    const before = (await api(server.endpoint, server.token, "GET", "/v1/accounts/acme/keys")).body.keys.length;
    const a = await openSecret();
    const b = await openSecret("live");
    const t = await openSecret("temp");
    for (const [secret, type] of [[a, "live"], [b, "live"], [t, "temp"]]) {
      expect(secret).toMatch(new RegExp(`^kf_${type}_[0-9A-Za-z]{36}$`));
      expect(parseSecret(secret, "kf")).toEqual({ kind: "branded", brand: "kf", type });
    }
    expect(new Set([a, b, t]).size).toBe(3);
    expect((await verify(a)).code).toBe("NOT_FOUND"); // generated locally: no key has it yet
    expect((await api(server.endpoint, server.token, "GET", "/v1/accounts/acme/keys")).body.keys.length).toBe(before);
    const bad = await client.call("ValidateEphemeralResourceConfig", { type_name: "keyform_secret", config: dv(object(S, { type: "legacy" }), S) });
    expect(diagSummary(bad)).toEqual(["ERROR Invalid type @type"]);
    expect(diagSummary(await client.call("CloseEphemeralResource", { type_name: "keyform_secret" }))).toEqual([]);
  });

  it("an old-protocol client (no write-only capability) is refused cleanly when secret_wo is set, at validate and at plan; nothing is stored", async () => {
    const secret = await openSecret();
    const config = resourceConfig({ name: "old-terraform", secret_wo: secret, secret_wo_version: 1 });
    for (const caps of [undefined, { deferral_allowed: true, write_only_attributes_allowed: false }]) {
      const v = await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(config, R), ...(caps ? { client_capabilities: caps } : {}) });
      expect(diagSummary(v)).toEqual(["ERROR secret_wo needs Terraform 1.11 or later @secret_wo"]);
      expect(JSON.stringify(v)).not.toContain(secret);
    }
    const p = await plan(null, config, { caps: null });
    expect(diagSummary(p)).toEqual(["ERROR secret_wo needs Terraform 1.11 or later @secret_wo"]);
    expect(p.planned_state).toBeUndefined();
    expect((await api(server.endpoint, server.token, "GET", "/v1/accounts/acme/keys?status=active")).body.keys.map((k: any) => k.name)).not.toContain("old-terraform");
    // Without secret_wo, the same old client plans as before.
    expect((await plan(null, resourceConfig({ name: "old-terraform" }), { caps: null })).diagnostics ?? []).toEqual([]);
    // And Terraform 1.11 may use it.
    expect(diagSummary(await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(config, R), client_capabilities: TF_111 }))).toEqual([]);
  });

  it("secret_wo is checked without being echoed: a temp secret for a live key, a value that is no keyform secret", async () => {
    const temp = await openSecret("temp");
    for (const [secret, expected] of [[temp, "a temp key needs|a live key needs"], ["hunter2-not-a-key", "must be a keyform secret"]]) {
      const v = await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(resourceConfig({ name: "k", type: "live", secret_wo: secret }), R), client_capabilities: TF_111 });
      expect(diagSummary(v)).toEqual(["ERROR Invalid secret_wo @secret_wo"]);
      expect(v.diagnostics[0].detail).toMatch(new RegExp(expected));
      expect(JSON.stringify(v)).not.toContain(secret);
    }
    const noWo = await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(resourceConfig({ name: "k", secret_wo_version: 2 }), R), client_capabilities: TF_111 });
    expect(diagSummary(noWo)).toEqual(["ERROR secret_wo_version needs secret_wo @secret_wo_version"]);
    const long = await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(resourceConfig({ name: "k", rotate_every: "30d", rotation_overlap: "25h" }), R) });
    expect(diagSummary(long)).toEqual(["ERROR Invalid rotation_overlap @rotation_overlap"]);
  });

  it("secret_wo: the key gets the given secret, plan and state keep secret and secret_wo null; a version bump regenerates in place with the overlap", async () => {
    const first = await openSecret();
    const config = resourceConfig({ name: "wo-key", scopes: ["alerts:send"], secret_wo: first, secret_wo_version: 1, rotation_overlap: "3s" });
    const p1 = await plan(null, config);
    expect(p1.diagnostics ?? []).toEqual([]);
    expect(p1.planned).toMatchObject({ secret: null, secret_wo: null, secret_wo_version: 1, id: UNKNOWN, masked: UNKNOWN, rotation_due_at: null });
    const a1 = await apply(null, p1.planned, config);
    expect(a1.diagnostics ?? []).toEqual([]);
    const s1 = a1.state!;
    expect(s1).toMatchObject({ secret: null, secret_wo: null, secret_wo_version: 1, masked: `kf_live_${first.slice(8, 12)}…${first.slice(-4)}` });
    expect(JSON.stringify(s1)).not.toMatch(SECRET_SHAPE);
    const record = JSON.parse(a1.private!.toString());
    expect(Object.keys(record).sort()).toEqual(["issued_at", "masked"]);
    expect(a1.private!.toString()).not.toMatch(SECRET_SHAPE);
    expect(await verify(first)).toMatchObject({ valid: true, key_id: s1.id });

    // Same version, a new ephemeral value (every run opens a new one): nothing changes.
    const unchanged = await plan(s1, { ...config, secret_wo: await openSecret() }, { priorPrivate: a1.private });
    expect(unchanged.planned).toEqual(s1);

    // Version bump: in place (same id), masked unknown, secret still null; a warning names the overlap.
    const second = await openSecret();
    const bumped = { ...config, secret_wo: second, secret_wo_version: 2 };
    const p2 = await plan(s1, bumped, { priorPrivate: a1.private });
    expect(p2.replace).toEqual([]);
    expect(p2.planned).toMatchObject({ id: s1.id, masked: UNKNOWN, secret: null, secret_wo: null, secret_wo_version: 2 });
    expect(diagSummary(p2)).toEqual(["WARNING Key secret replaced from secret_wo @secret_wo_version"]);
    expect(p2.diagnostics[0].detail).toMatch(/the old secret stays valid until 3s after apply/);
    const a2 = await apply(s1, p2.planned, bumped, p2.planned_private);
    expect(a2.diagnostics ?? []).toEqual([]);
    expect(a2.state).toMatchObject({ id: s1.id, secret: null, secret_wo_version: 2, masked: `kf_live_${second.slice(8, 12)}…${second.slice(-4)}` });
    // Both valid during the overlap, the old one refused after it.
    expect(await verify(second)).toMatchObject({ valid: true, key_id: s1.id });
    expect(await verify(first)).toMatchObject({ valid: true, key_id: s1.id });
    await sleep(4_500);
    expect((await verify(first)).code).toBe("NOT_FOUND");
    expect((await verify(second)).code).toBe("VALID");
    const view = (await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${s1.id}`)).body.key;
    expect(view.uses).toBeGreaterThanOrEqual(4); // usage history kept across the regeneration

    // Regenerated outside Terraform: masked moved away from the recorded one → a warning to bump the version.
    await api(server.endpoint, server.token, "POST", `/v1/accounts/acme/keys/${s1.id}/regenerate`, {});
    const refreshed = fromDv((await client.call("ReadResource", { type_name: TYPE, current_state: dv(a2.state, R), private: a2.private })).new_state, R)!;
    const outside = await plan(refreshed, { ...bumped, secret_wo: await openSecret() }, { priorPrivate: a2.private });
    expect(diagSummary(outside)).toEqual(["WARNING Key regenerated outside Terraform @secret_wo_version"]);
    expect(outside.replace).toEqual([]);
  });

  it("a supplied secret that is already in use fails the apply with SECRET_IN_USE, never echoing it", async () => {
    const secret = await openSecret();
    const a = resourceConfig({ name: "first-holder", secret_wo: secret });
    await apply(null, (await plan(null, a)).planned, a);
    const b = resourceConfig({ name: "second-holder", secret_wo: secret });
    const res = await apply(null, (await plan(null, b)).planned, b);
    expect(res.state).toBeNull();
    expect(diagSummary(res)[0]).toMatch(/^ERROR Creating the key failed: SECRET_IN_USE/);
    expect(JSON.stringify(res)).not.toContain(secret);
  });

  it("rotate_every due with rotation_overlap: an in-place regeneration (same id) whose old secret stays valid; without it a replacement", async () => {
    const config = resourceConfig({ name: "rotated", scopes: ["alerts:send"], rotate_every: "30d", rotation_overlap: "1h" });
    const created = await apply(null, (await plan(null, config)).planned, config);
    const s1 = created.state!;
    expect(s1.rotation_due_at).toBe(new Date(Date.parse(s1.created_at as string) + 30 * 86_400_000).toISOString());
    const oldSecret = s1.secret as string;
    await verify(oldSecret);
    // Terraform refreshes before it plans: last_used_at comes from the server.
    const refreshed = fromDv((await client.call("ReadResource", { type_name: TYPE, current_state: dv(s1, R), private: created.private })).new_state, R)!;
    expect(refreshed.last_used_at).toEqual(expect.any(String));

    // 31 days later (as far as the plan knows): due.
    const aged: ObjectValue = { ...refreshed, created_at: new Date(Date.now() - 31 * 86_400_000).toISOString() };
    const p = await plan(aged, config); // no private record: counted from created_at
    expect(p.replace).toEqual([]);
    expect(p.planned).toMatchObject({ id: s1.id, masked: UNKNOWN, secret: UNKNOWN, rotation_due_at: UNKNOWN });
    expect(diagSummary(p)).toEqual(["WARNING Key rotation due @rotate_every"]);
    expect(p.diagnostics[0].detail).toMatch(/regenerated in place \(same id\), and the old secret stays valid until 1h after apply \(\d{4}-.*Z if applied now\); the key was last used at \d{4}-/);
    const a = await apply(aged, p.planned, config, p.planned_private);
    expect(a.diagnostics ?? []).toEqual([]);
    const s2 = a.state!;
    expect(s2.id).toBe(s1.id);
    expect(s2.secret).toMatch(/^kf_live_/);
    expect(s2.secret).not.toBe(oldSecret);
    expect(Date.parse(s2.rotation_due_at as string)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(await verify(oldSecret)).toMatchObject({ valid: true, key_id: s1.id });
    expect(await verify(s2.secret as string)).toMatchObject({ valid: true, key_id: s1.id });
    // The next plan counts from the regeneration (the private record), not from created_at: nothing due.
    const next = await plan({ ...s2, created_at: aged.created_at }, config, { priorPrivate: a.private });
    expect(next.planned).toMatchObject({ masked: s2.masked, secret: s2.secret });
    expect(diagSummary(next)).toEqual([]);

    // Without rotation_overlap: today's behaviour, a replacement.
    const noOverlap = { ...config, rotation_overlap: null };
    const r = await plan(aged, noOverlap);
    expect(r.replace).toEqual(["created_at"]);
    // With secret_wo and no version bump: a warning only (the consumer could not receive a new secret).
    const wo = { ...config, secret_wo: await openSecret(), secret_wo_version: 1 };
    const w = await plan({ ...aged, secret: null, secret_wo_version: 1 }, wo);
    expect(w.replace).toEqual([]);
    expect(diagSummary(w)).toEqual(["WARNING Key rotation due @secret_wo_version"]);
    expect(w.planned).toMatchObject({ masked: aged.masked });
  });

  it("a regeneration whose later update fails keeps the new secret in state (partial apply)", async () => {
    const secret = await openSecret();
    const config = resourceConfig({ name: "partial", secret_wo: secret, secret_wo_version: 1 });
    const created = await apply(null, (await plan(null, config)).planned, config);
    await apply(null, (await plan(null, resourceConfig({ name: "taken" }))).planned, resourceConfig({ name: "taken" }));
    const next = await openSecret();
    const both = { ...config, name: "taken", secret_wo: next, secret_wo_version: 2 };
    const p = await plan(created.state, both, { priorPrivate: created.private });
    const res = await apply(created.state, p.planned, both, p.planned_private);
    expect(diagSummary(res)[0]).toMatch(/^ERROR Updating the key failed after its secret was regenerated: NAME_TAKEN/);
    expect(res.state).toMatchObject({ id: created.state!.id, name: "partial", masked: `kf_live_${next.slice(8, 12)}…${next.slice(-4)}`, secret: null });
    expect(await verify(next)).toMatchObject({ valid: true });
  });

  it("keyform_temp_key: open creates a temp key that works as a credential, close revokes it", async () => {
    const opened = await client.call("OpenEphemeralResource", {
      type_name: "keyform_temp_key",
      config: dv(object(T, { name: "run-token", scopes: ["keys:read"] }), T),
      client_capabilities: TF_111,
    });
    expect(opened.diagnostics ?? []).toEqual([]);
    const result = fromDv(opened.result, T)!;
    expect(result).toMatchObject({ account: "acme", name: "run-token", scopes: ["keys:read"], id: expect.stringMatching(/^key_/), secret: expect.stringMatching(/^kf_temp_/) });
    expect(Date.parse(result.expires_at as string)).toBeGreaterThan(Date.now());
    expect(opened.private.toString()).not.toContain(result.secret as string);
    const asTemp = await api(server.endpoint, result.secret as string, "GET", "/v1/accounts/acme/keys");
    expect(asTemp.status).toBe(200);

    const closed = await client.call("CloseEphemeralResource", { type_name: "keyform_temp_key", private: opened.private });
    expect(closed.diagnostics ?? []).toEqual([]);
    expect((await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${String(result.id)}`)).body.key.status).toBe("revoked");
    expect((await api(server.endpoint, result.secret as string, "GET", "/v1/accounts/acme/keys")).status).toBe(401);
  });

  it("the provider's token argument configures a second provider instance; without it and without KEYFORM_TOKEN, a clear error", async () => {
    const manager = (await api(server.endpoint, server.token, "POST", "/v1/accounts/acme/keys", { name: "token-arg", scopes: ["keys:manage"] })).body.secret;
    const second = await PluginClient.start({});
    try {
      const none = await second.call("ConfigureProvider", { terraform_version: "1.11.4", config: dv({ endpoint: server.endpoint, account: "acme", token: null }, P) });
      expect(diagSummary(none)).toEqual(["ERROR No keyform token @-"]);
      const ok = await second.call("ConfigureProvider", { terraform_version: "1.11.4", config: dv({ endpoint: server.endpoint, account: "acme", token: manager }, P) });
      expect(ok.diagnostics ?? []).toEqual([]);
      const ds = await second.call("ReadDataSource", { type_name: TYPE, config: dv({ name: "token-arg", id: null, account: null, type: null, scopes: null, expires_in: null, expires_at: null, masked: null, created_at: null, last_used_at: null }, ["name", "id", "account", "type", "scopes", "expires_in", "expires_at", "masked", "created_at", "last_used_at"]) });
      expect(ds.diagnostics ?? []).toEqual([]);
      expect(second.stderr()).not.toContain(manager);
      await second.shutdown();
      expect(await second.exited).toBe(0);
    } finally {
      second.close();
    }
  });
});
