import * as grpc from "@grpc/grpc-js";
import { UNKNOWN, type ObjectValue } from "../../provider/plugin/cty";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../../provider/plugin/plugin-server";
import { loadProtos } from "../../provider/plugin/proto";
import { apiKeyDataSourceSchema, apiKeySchema, providerSchema } from "../../provider/plugin/schema";
import { attributeNames } from "../../provider/plugin/wire-schema";
import { generateSelfSignedCert, certPemFromHandshake } from "../../provider/plugin/tls";
import { api } from "../support/cli";
import { orderedSteps } from "../support/steps";
import { dv, fromDv, launchPlugin, parseHandshake, PluginClient } from "./plugin-client";
import { proposedNew, resourceConfig, startKeyformServer } from "./tfplugin-harness";

jest.setTimeout(60_000);

const R = attributeNames(apiKeySchema);
const D = attributeNames(apiKeyDataSourceSchema);
const P = attributeNames(providerSchema);
const TYPE = "keyform_api_key";

describe("go-plugin handshake", () => {
  it("refuses to run without Terraform's magic cookie, printing nothing on stdout", async () => {
    const p = launchPlugin({ PLUGIN_PROTOCOL_VERSIONS: "6" });
    await expect(p.firstLine).rejects.toThrow(/exited with 1/);
    expect(p.stdout()).toBe("");
    expect(p.stderr()).toContain("This binary is a plugin");
  });

  it("refuses when protocol 6 is not offered", async () => {
    const p = launchPlugin({ [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "4,5" });
    await expect(p.firstLine).rejects.toThrow(/exited with 1/);
    expect(p.stderr()).toContain("speaks 6");
  });

  it("prints one line 1|6|tcp|127.0.0.1:PORT|grpc|<cert DER base64, no padding>, serves mTLS only to Terraform's client cert", async () => {
    const client = await PluginClient.start();
    try {
      const hs = client.handshake;
      expect([hs.core, hs.app, hs.network, hs.protocol]).toEqual(["1", "6", "tcp", "grpc"]);
      expect(hs.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(hs.cert).toMatch(/^[A-Za-z0-9+/]+$/);
      const der = Buffer.from(hs.cert, "base64");
      expect(der[0]).toBe(0x30); // an ASN.1 SEQUENCE: a DER certificate

      const schema = await client.call("GetProviderSchema");
      expect(Object.keys(schema.resource_schemas)).toEqual([TYPE]);

      // A client presenting any other certificate is refused at the TLS layer.
      const stranger = await generateSelfSignedCert();
      const protos = loadProtos();
      const creds = grpc.credentials.createSsl(Buffer.from(certPemFromHandshake(hs.cert)), Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem));
      const other = new protos.provider(hs.address, creds, { "grpc.ssl_target_name_override": "localhost" });
      await expect(
        new Promise((res, rej) => (other as any).GetMetadata({}, { deadline: Date.now() + 5000 }, (e: unknown, r: unknown) => (e ? rej(e) : res(r)))),
      ).rejects.toBeTruthy();
      other.close();

      await client.shutdown();
      expect(await client.exited).toBe(0);
      expect(client.stdout().trimEnd().split("\n")).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it("serves plaintext with TF_DISABLE_PLUGIN_TLS=1: the line ends in |grpc| with no certificate", async () => {
    const p = launchPlugin({ [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "6", TF_DISABLE_PLUGIN_TLS: "1" });
    try {
      const line = await p.firstLine;
      expect(line).toMatch(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|$/);
      const protos = loadProtos();
      const c = new protos.provider(parseHandshake(line).address, grpc.credentials.createInsecure());
      const meta: any = await new Promise((res, rej) => (c as any).GetMetadata({}, (e: unknown, r: unknown) => (e ? rej(e) : res(r))));
      expect(meta.resources).toEqual([{ type_name: TYPE }]);
      c.close();
    } finally {
      p.child.kill("SIGKILL");
    }
  });
});

describe("tfplugin6.Provider against a real keyform server (MariaDB)", () => {
  let server: Awaited<ReturnType<typeof startKeyformServer>>;
  let client: PluginClient;

  beforeAll(async () => {
    server = await startKeyformServer();
    await server.harness.account("acme");
    await server.harness.account("other");
    client = await PluginClient.start({ KEYFORM_TOKEN: server.token });
    // Every test below plans and applies against this server, as Terraform configures a provider first.
    configured = await client.call("ConfigureProvider", { terraform_version: "1.11.4", config: dv({ endpoint: server.endpoint, account: "acme" }, P) });
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });
  let configured: { diagnostics?: unknown[] };

  const diagSummary = (r: any) => (r.diagnostics ?? []).map((d: any) => `${d.severity} ${d.summary} @${d.attribute?.steps?.[0]?.attribute_name ?? "-"}`);

  async function plan(prior: ObjectValue | null, config: ObjectValue) {
    const res = await client.call("PlanResourceChange", {
      type_name: TYPE,
      prior_state: dv(prior, R),
      proposed_new_state: dv(proposedNew(prior, config), R),
      config: dv(config, R),
    });
    return { ...res, planned: fromDv(res.planned_state, R), replace: (res.requires_replace ?? []).map((p: any) => p.steps[0].attribute_name) };
  }

  async function apply(prior: ObjectValue | null, planned: ObjectValue | null, config: ObjectValue | null) {
    const res = await client.call("ApplyResourceChange", { type_name: TYPE, prior_state: dv(prior, R), planned_state: dv(planned, R), config: dv(config, R) });
    return { ...res, state: fromDv(res.new_state, R) };
  }

  async function read(state: ObjectValue) {
    const res = await client.call("ReadResource", { type_name: TYPE, current_state: dv(state, R) });
    return { ...res, state: fromDv(res.new_state, R) };
  }

  it("GetMetadata and GetProviderSchema describe the provider, the resource and the data source with cty type JSON", async () => {
    const meta = await client.call("GetMetadata");
    expect(meta.resources).toEqual([{ type_name: TYPE }]);
    expect(meta.data_sources).toEqual([{ type_name: TYPE }]);

    const s = await client.call("GetProviderSchema");
    expect(s.provider.block.attributes.map((a: any) => a.name)).toEqual(["endpoint", "account", "token"]);
    const attrs = Object.fromEntries(s.resource_schemas[TYPE].block.attributes.map((a: any) => [a.name, a]));
    expect(Object.keys(attrs).sort()).toEqual([
      "account", "created_at", "expires_at", "expires_in", "id", "last_used_at", "masked", "name", "rotate_every", "rotation_due_at", "rotation_overlap",
      "scopes", "secret", "secret_wo", "secret_wo_version", "type",
    ]);
    expect(JSON.parse(attrs.name.type.toString())).toBe("string");
    expect(JSON.parse(attrs.scopes.type.toString())).toEqual(["list", "string"]);
    expect(attrs.name.required).toBe(true);
    expect(attrs.secret).toMatchObject({ computed: true, sensitive: true });
    expect(attrs.secret.optional).toBeFalsy();
    expect(attrs.type).toMatchObject({ optional: true, computed: true });
    expect(s.data_source_schemas[TYPE].block.attributes.some((a: any) => a.name === "secret")).toBe(false);
  });

  it("ValidateResourceConfig reports bad arguments on their attribute paths", async () => {
    const validate = async (values: Record<string, unknown>) =>
      diagSummary(await client.call("ValidateResourceConfig", { type_name: TYPE, config: dv(resourceConfig(values), R) }));
    expect(await validate({ name: "ci-key", expires_in: "90d", scopes: ["alerts:send"] })).toEqual([]);
    expect(await validate({ name: "bad name!" })).toEqual(["ERROR Invalid name @name"]);
    expect(await validate({ name: "k", expires_in: "3d" })).toEqual(["ERROR Invalid expires_in @expires_in"]);
    expect(await validate({ name: "k", expires_in: "90d", expires_at: "2030-01-01T00:00:00Z" })).toEqual(["ERROR Conflicting expires_at and expires_in @expires_at"]);
    expect(await validate({ name: "k", type: "temp", expires_in: "30d" })).toEqual(["ERROR expires_in not allowed here @expires_in"]);
    expect(await validate({ name: "k", rotate_every: "soon" })).toEqual(["ERROR Invalid rotate_every @rotate_every"]);
    // Unknown values (from other resources) are checked once known.
    expect(await validate({ name: UNKNOWN, expires_in: UNKNOWN })).toEqual([]);

    const ds = await client.call("ValidateDataResourceConfig", { type_name: TYPE, config: dv({ ...Object.fromEntries(D.map((a) => [a, null])) }, D) });
    expect(diagSummary(ds)).toEqual(["ERROR Invalid attribute combination @name"]);
    const pv = await client.call("ValidateProviderConfig", { config: dv({ endpoint: "not a url", account: "acme" }, P) });
    expect(diagSummary(pv)).toEqual(["ERROR Invalid endpoint @endpoint"]);
  });

  it("ConfigureProvider accepts the endpoint and account, the token coming from KEYFORM_TOKEN", () => {
    expect(configured.diagnostics ?? []).toEqual([]);
  });

  /**
   * One key's life, one step per test: create → read → update → import → drift → replace → rotate →
   * destroy. Each step builds on the state the ones before left; once a step fails, every later one
   * fails saying which step broke the chain (instead of asserting on a state that was never made).
   */
  describe("a key's lifecycle, step by step", () => {
    const config = resourceConfig({ name: "ci-deploy", expires_in: "90d", scopes: ["keys:read", "alerts:send"] });
    const renamed = resourceConfig({ name: "ci-deploy-2", expires_in: "90d", scopes: ["alerts:send"] });
    let planned: ObjectValue; // the create plan
    let s1: ObjectValue; // state after create
    let r1: ObjectValue; // state after the first read
    let s2: ObjectValue; // state after the update
    let p2: ObjectValue; // the update plan
    let importedState: ObjectValue;
    let drifted: ObjectValue; // state read after a rename outside Terraform

    const step = orderedSteps();

    step("create, plan: id, secret, masked and created_at unknown; type defaulted; account from the provider", async () => {
      const created = await plan(null, config);
      expect({ diagnostics: created.diagnostics ?? [], planned: created.planned }).toMatchObject({
        diagnostics: [],
        planned: { id: UNKNOWN, secret: UNKNOWN, masked: UNKNOWN, created_at: UNKNOWN, type: "live", account: "acme", name: "ci-deploy" },
      });
      planned = created.planned!;
    });

    step("create, plan: an expires_at in the past is refused in the words of keyform's own planner", async () => {
      const past = await plan(null, resourceConfig({ name: "old", expires_at: "2001-01-01T00:00:00Z" }));
      expect(diagSummary(past)).toEqual(["ERROR Invalid expires_at @expires_at"]);
    });

    step("create, apply: the state holds the new key's id, secret, scopes (as configured) and expiry", async () => {
      const a1 = await apply(null, planned, config);
      expect({ diagnostics: a1.diagnostics ?? [], state: a1.state }).toMatchObject({
        diagnostics: [],
        state: { id: expect.stringMatching(/^key_[0-9A-Za-z]{24}$/), secret: expect.stringMatching(/^kf_live_[0-9A-Za-z]{36}$/), scopes: ["keys:read", "alerts:send"], expires_at: expect.any(String) },
      });
      s1 = a1.state!;
    });

    step("create: the secret in state verifies on the server as the new key", async () => {
      const verified = await api(server.endpoint, server.token, "POST", "/v1/verify", { key: s1.secret });
      expect(verified.body).toMatchObject({ valid: true, key_id: s1.id, account: "acme" });
    });

    step("read: nothing drifted but last_used_at (the verify used the key); the configured scope order is kept", async () => {
      r1 = (await read(s1)).state!;
      expect(r1).toEqual({ ...s1, last_used_at: expect.any(String) });
    });

    step("read, plan: the unchanged configuration plans no change", async () => {
      const noop = await plan(r1, config);
      expect({ planned: noop.planned, replace: noop.replace }).toEqual({ planned: r1, replace: [] });
    });

    step("update, plan: a rename is in place; id, created_at and secret keep their state values", async () => {
      const res = await plan(s1, renamed);
      expect({ replace: res.replace, planned: res.planned }).toMatchObject({ replace: [], planned: { id: s1.id, created_at: s1.created_at, secret: s1.secret, name: "ci-deploy-2" } });
      p2 = res.planned!;
    });

    step("update, apply: same id and secret, the new name and scopes in state", async () => {
      const a2 = await apply(s1, p2, renamed);
      expect({ diagnostics: a2.diagnostics ?? [], state: a2.state }).toMatchObject({ diagnostics: [], state: { id: s1.id, secret: s1.secret, name: "ci-deploy-2", scopes: ["alerts:send"] } });
      s2 = a2.state!;
    });

    step("update: the server holds the new name and scopes", async () => {
      const shown = await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${String(s1.id)}`);
      expect(shown.body.key).toMatchObject({ name: "ci-deploy-2", scopes: ["alerts:send"] });
    });

    step("import by key id: the state has the key's arguments and no secret", async () => {
      const imported = await client.call("ImportResourceState", { type_name: TYPE, id: s1.id });
      expect({ diagnostics: imported.diagnostics ?? [], state: fromDv(imported.imported_resources[0]?.state, R) }).toMatchObject({
        diagnostics: [],
        state: { id: s1.id, account: "acme", type: "live", expires_in: "90d", name: "ci-deploy-2", secret: null },
      });
      importedState = fromDv(imported.imported_resources[0].state, R)!;
    });

    step("import: the imported state reads back as the same key", async () => {
      expect((await read(importedState)).state).toMatchObject({ id: s1.id, name: "ci-deploy-2", scopes: ["alerts:send"] });
    });

    step("import: an id that is no key id is refused", async () => {
      const badImport = await client.call("ImportResourceState", { type_name: TYPE, id: "nope" });
      expect(diagSummary(badImport)[0]).toMatch(/^ERROR Import failed/);
    });

    step("drift, read: a rename outside Terraform shows as the server's name", async () => {
      await api(server.endpoint, server.token, "PATCH", `/v1/accounts/acme/keys/${String(s1.id)}`, { name: "renamed-by-hand" });
      drifted = (await read(s2)).state!;
      expect(drifted).toMatchObject({ id: s1.id, name: "renamed-by-hand" });
    });

    step("drift, plan: the configured name is put back in place", async () => {
      const back = await plan(drifted, renamed);
      expect({ replace: back.replace, name: back.planned!.name }).toEqual({ replace: [], name: "ci-deploy-2" });
    });

    step("drift: the data source finds the key by its new name", async () => {
      const byName = await client.call("ReadDataSource", { type_name: TYPE, config: dv({ ...Object.fromEntries(D.map((a) => [a, null])), name: "renamed-by-hand" }, D) });
      expect({ diagnostics: byName.diagnostics ?? [], state: fromDv(byName.state, D) }).toMatchObject({ diagnostics: [], state: { id: s1.id, name: "renamed-by-hand", type: "live", account: "acme" } });
    });

    step("replace, plan: a new type replaces the key; the replacement's id and secret are unknown", async () => {
      const toTemp = await plan(s2, resourceConfig({ name: "ci-deploy-2", type: "temp", scopes: ["alerts:send"] }));
      expect({ replace: toTemp.replace, planned: toTemp.planned }).toMatchObject({ replace: ["type"], planned: { id: UNKNOWN, secret: UNKNOWN } });
    });

    step("replace, plan: a new account replaces the key", async () => {
      const toOther = await plan(s2, resourceConfig({ name: "ci-deploy-2", account: "other", expires_in: "90d", scopes: ["alerts:send"] }));
      expect(toOther.replace).toEqual(["account"]);
    });

    const rotating = resourceConfig({ name: "ci-deploy-2", expires_in: "90d", scopes: ["alerts:send"], rotate_every: "30d" });
    step("rotate, plan: rotate_every is not due on a fresh key", async () => {
      expect((await plan(s2, rotating)).replace).toEqual([]);
    });

    step("rotate, plan: once the key is older than rotate_every, it is replaced with a warning", async () => {
      const due = await plan({ ...s2, created_at: new Date(Date.now() - 31 * 86_400_000).toISOString() }, rotating);
      expect({ replace: due.replace, planned: due.planned, diagnostics: diagSummary(due) }).toMatchObject({
        replace: ["created_at"],
        planned: { id: UNKNOWN, secret: UNKNOWN },
        diagnostics: ["WARNING Key rotation due @rotate_every"],
      });
    });

    step("regenerated outside Terraform: the secret in state is dead, so the key is replaced", async () => {
      await api(server.endpoint, server.token, "POST", `/v1/accounts/acme/keys/${String(s1.id)}/regenerate`, {});
      const regenerated = await read(s2);
      expect((await plan(regenerated.state, renamed)).replace).toEqual(["secret"]);
    });

    step("destroy, apply: the state is gone", async () => {
      const destroyed = await apply(s2, null, null);
      expect({ diagnostics: destroyed.diagnostics ?? [], state: destroyed.state }).toEqual({ diagnostics: [], state: null });
    });

    step("destroy: the key is revoked on the server", async () => {
      const after = await api(server.endpoint, server.token, "GET", `/v1/accounts/acme/keys/${String(s1.id)}`);
      expect(after.body.key.status).toBe("revoked");
    });

    step("destroy: a later read says the key is gone", async () => {
      expect((await read(s2)).state).toBeNull();
    });
  });

  it("ReadResource of a key revoked through the REST API returns null (gone), so Terraform plans to recreate it", async () => {
    const config = resourceConfig({ name: "revoked-outside" });
    const p = await plan(null, config);
    const { state } = await apply(null, p.planned, config);
    const del = await api(server.endpoint, server.token, "DELETE", `/v1/accounts/acme/keys/${state!.id}`);
    expect(del.status).toBe(204);
    const r = await read(state!);
    expect(r.diagnostics ?? []).toEqual([]);
    expect(r.state).toBeNull();
    const again = await plan(null, config);
    expect(again.planned).toMatchObject({ id: UNKNOWN, secret: UNKNOWN });
  });

  it("server refusals come back as diagnostics on the attribute the server names", async () => {
    const config = resourceConfig({ name: "dupe" });
    const p = await plan(null, config);
    await apply(null, p.planned, config);
    const second = await apply(null, p.planned, config);
    expect(second.state).toBeNull();
    expect(diagSummary(second)[0]).toMatch(/^ERROR Creating the key failed: NAME_TAKEN/);
  });

  it("UpgradeResourceState turns JSON state into msgpack with every attribute present", async () => {
    const json = Buffer.from(JSON.stringify({ id: "key_000000000000000000000000", name: "x", account: "acme", type: "live" }));
    const res = await client.call("UpgradeResourceState", { type_name: TYPE, version: 0, raw_state: { json } });
    const state = fromDv(res.upgraded_state, R)!;
    expect(Object.keys(state)).toEqual(R);
    expect(state).toMatchObject({ id: "key_000000000000000000000000", name: "x", secret: null, scopes: null });
  });

  it("StopProvider answers, and GRPCController.Shutdown ends the process with code 0", async () => {
    const stop = await client.call("StopProvider");
    expect(stop.Error ?? "").toBe("");
    await client.shutdown();
    expect(await client.exited).toBe(0);
  });
});
