import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

const config = (resources: Record<string, unknown>, outputs: Record<string, unknown> = {}) => ({
  "//": { metadata: { stackName: "keys", backend: "local", version: "0.21.0" } },
  terraform: { required_providers: { keyform: { source: "keyform/keyform" } } },
  provider: { keyform: [{ account: "acme", endpoint: "http://127.0.0.1:8080" }] },
  resource: { keyform_api_key: resources },
  ...(Object.keys(outputs).length ? { output: outputs } : {}),
});

describe.each(STORE_KINDS)("stacks over the REST API on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
    await h.account("acme", { key_limit: 3 });
  });
  afterAll(() => h.close());

  const plan = (stack: string, body: Record<string, unknown>) => h.as().post(`/v1/stacks/${stack}/plans`, body);
  const apply = (id: string) => h.as().post(`/v1/plans/${id}/apply`, {});

  it("plans, applies once, and returns the new secret only from that apply", async () => {
    const cfg = config(
      { ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] } },
      { ci_key: { value: "${keyform_api_key.ci.secret}", sensitive: true }, ci_id: { value: "${keyform_api_key.ci.id}" } },
    );
    const p = await plan("keys", { config: cfg });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ stack: "keys", serial: 0, has_changes: true, errored: false, summary: { add: 1, change: 0, destroy: 0 } });
    expect(p.body.id).toMatch(/^plan_[0-9A-Za-z]{24}$/);
    expect(p.body.terraform).toMatchObject({ format_version: "1.2", resource_changes: [{ address: "keyform_api_key.ci", change: { actions: ["create"] } }] });

    // ?format=json: the bare Terraform JSON plan (what `terraform show -json` prints); keyform's own
    // fields stay in the default answer, also given as ?format=keyform
    const bare = await h.as().get(`/v1/plans/${p.body.id}?format=json`);
    expect(bare.headers["content-type"]).toMatch(/^application\/json/);
    expect(bare.body).toEqual(p.body.terraform);
    expect(bare.body.id).toBeUndefined();
    expect((await h.as().get(`/v1/plans/${p.body.id}?format=keyform`)).text).toBe(p.text);
    expect((await h.as().get(`/v1/plans/${p.body.id}`)).text).toBe(p.text);

    const text = await h.as().get(`/v1/plans/${p.body.id}?format=text`);
    expect(text.headers["content-type"]).toMatch(/^text\/plain/);
    expect(text.text).toContain("# keyform_api_key.ci will be created");
    expect(text.text).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    const md = await h.as().get(`/v1/plans/${p.body.id}?format=markdown`);
    expect(md.text).toContain("<details>");
    expect(md.text).toContain(p.body.id);

    const a = await apply(p.body.id);
    expect(a.status).toBe(200);
    expect(a.body.serial).toBe(1);
    const created = a.body.resources.find((r: { address: string }) => r.address === "keyform_api_key.ci");
    expect(created.secret).toMatch(/^kf_live_/);
    // secret_of: the key the secret belongs to, so `keyform output` can refuse it once the key is no longer active
    expect(a.body.outputs.ci_key).toEqual({
      sensitive: true, type: "string", value: created.secret,
      secret_of: [{ account: "acme", id: created.key_id, type: "live", expires_at: expect.any(String) }],
    });
    expect(a.body.outputs.ci_id.value).toBe(created.key_id);
    expect((await h.verify(created.secret)).body.code).toBe("VALID");

    // applied once
    const again = await apply(p.body.id);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("PLAN_ALREADY_APPLIED");

    // the key is managed by the stack; its secret appears nowhere after that response
    const shown = await h.as().get(`/v1/accounts/acme/keys/${created.key_id}`);
    expect(shown.body.key.managed_by_stack).toBe("keys");
    const state = await h.as().get("/v1/stacks/keys/state");
    expect(state.body).toMatchObject({ version: 4, serial: 1, lineage: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(JSON.stringify(state.body)).not.toContain(created.secret);
    const stored = await h.as().get(`/v1/plans/${p.body.id}`);
    expect(JSON.stringify(stored.body)).not.toContain(created.secret);

    // re-plan: no changes
    const p2 = await plan("keys", { config: cfg });
    expect(p2.body).toMatchObject({ has_changes: false, serial: 1 });
  });

  it("answers a plan with the bytes it stored, also when the stored body spans several segments", async () => {
    await h.account("wide", { key_limit: 10000 });
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) resources[`k${i}`] = { name: `svc-${i}`, account: "wide", scopes: ["alerts:send"], expires_in: "1y" };
    const cfg = { ...config(resources, { note: { value: "naïve … ✓ 𝄞" } }), provider: { keyform: [{ account: "wide" }] } };
    const p = await plan("wide", { config: cfg });
    expect(p.status).toBe(201);
    expect(p.body.summary).toMatchObject({ add: 5000 });
    expect(Buffer.byteLength(p.text)).toBeGreaterThan(5 << 20); // stored in ~4 MB segments
    const stored = await h.as().get(`/v1/plans/${p.body.id}`);
    expect(stored.text).toBe(p.text);
    expect(p.body.terraform.output_changes.note.after).toBe("naïve … ✓ 𝄞");
  });

  it("shows and applies a plan stored before its own part was kept apart from its Terraform JSON", async () => {
    await h.account("older", { key_limit: 10 });
    const cfg = { ...config({ a: { name: "older-a", account: "older" } }, { a_id: { value: "${keyform_api_key.a.id}" } }), provider: { keyform: [{ account: "older" }] } };
    const p = await plan("older", { config: cfg });
    expect(p.status).toBe(201);
    const [{ body }] = await h.store.manager.query("SELECT body FROM plans WHERE id = ?", [p.body.id]);
    expect(String(body)).toMatch(/^deflate:[^;]+;[^;]+$/);
    // Older bodies: the same segments, all joined by ",".
    await h.store.manager.query("UPDATE plans SET body = ? WHERE id = ?", [String(body).replace(";", ","), p.body.id]);
    expect((await h.as().get(`/v1/plans/${p.body.id}`)).text).toBe(p.text);
    const a = await apply(p.body.id);
    expect(a.status).toBe(200);
    expect(a.body.resources).toMatchObject([{ address: "keyform_api_key.a", action: "create" }]);
    expect(a.body.outputs.a_id).toEqual({ sensitive: false, type: "string", value: a.body.resources[0].key_id });
  });

  it("stores state as ASCII JSON and shows the masked key's \"…\" unchanged", async () => {
    await h.account("ascii", { key_limit: 10 });
    const cfg = { ...config({ a: { name: "ascii-a", account: "ascii" } }), provider: { keyform: [{ account: "ascii" }] } };
    const a = await apply((await plan("ascii", { config: cfg })).body.id);
    expect(a.status).toBe(200);
    const masked = a.body.resources[0].key.masked as string;
    expect(masked).toContain("…");
    const [{ state }] = await h.store.manager.query("SELECT state FROM stacks WHERE name = ?", ["ascii"]);
    expect(String(state)).toMatch(/^[\x20-\x7e]*$/);
    expect(String(state)).toContain("\\u2026");
    expect(JSON.parse(String(state)).resources[0].attributes.masked).toBe(masked);
    const tf = await h.as().get("/v1/stacks/ascii/state");
    expect(tf.body.resources[0].instances[0].attributes.masked).toBe(masked);
    const again = await plan("ascii", { config: cfg });
    expect(again.body).toMatchObject({ has_changes: false, serial: 1 });
    expect(again.body.terraform.prior_state.values.root_module.resources[0].values.masked).toBe(masked);
  });

  it("refuses a stale plan (PLAN_STALE) and a plan over the key limit (PLAN_FAILED, with the address)", async () => {
    const base = { ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] } };
    const p1 = await plan("keys", { config: config({ ...base, a: { name: "a" } }) });
    const p2 = await plan("keys", { config: config({ ...base, b: { name: "b" } }) });
    expect((await apply(p1.body.id)).status).toBe(200);
    const stale = await apply(p2.body.id);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("PLAN_STALE");

    const before = (await h.as().get("/v1/accounts/acme/keys?limit=1000")).body.keys.length;
    const over = await plan("keys", { config: config({ ...base, a: { name: "a" }, c: { name: "c" }, d: { name: "d" } }) });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe("PLAN_FAILED");
    expect(over.body.diagnostics.some((d: { address?: string; severity: string }) => d.severity === "error" && /keyform_api_key\.[cd]/.test(d.address ?? ""))).toBe(true);
    expect(over.body.plan_id).toMatch(/^plan_/);
    const refused = await apply(over.body.plan_id);
    expect(refused.status).toBe(422);
    expect((await h.as().get("/v1/accounts/acme/keys?limit=1000")).body.keys.length).toBe(before);
  });

  it("reports a key revoked through the REST API as drift and replaces it", async () => {
    const state = await h.as().get("/v1/stacks/keys/state");
    const ci = state.body.resources.find((r: { name: string }) => r.name === "ci").instances[0].attributes;
    expect((await h.as().delete(`/v1/accounts/acme/keys/${ci.id}`)).status).toBe(204);
    const p = await plan("keys", { config: config({ ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] }, a: { name: "a" } }) });
    expect(p.status).toBe(201);
    expect(p.body.terraform.resource_drift.map((d: { address: string }) => d.address)).toContain("keyform_api_key.ci");
    expect(p.body.summary.add).toBe(1);
    const a = await apply(p.body.id);
    const fresh = a.body.resources.find((r: { address: string }) => r.address === "keyform_api_key.ci");
    expect(fresh.key_id).not.toBe(ci.id);
    expect((await h.verify(fresh.secret)).body.code).toBe("VALID");
  });

  it("two applies of the same stack at once: exactly one succeeds, no duplicate keys", async () => {
    await h.as().patch("/v1/accounts/acme", { key_limit: 50 });
    const cur = { ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] }, a: { name: "a" } };
    const p1 = await plan("keys", { config: config({ ...cur, x: { name: "x" } }) });
    const p2 = await plan("keys", { config: config({ ...cur, y: { name: "y" } }) });
    const [r1, r2] = await Promise.all([apply(p1.body.id), apply(p2.body.id)]);
    const statuses = [r1.status, r2.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = r1.status === 409 ? r1 : r2;
    expect(["STACK_LOCKED", "PLAN_STALE"]).toContain(loser.body.code);
    const active = (await h.as().get("/v1/accounts/acme/keys?status=active&limit=1000")).body.keys;
    const names = active.map((k: { name: string }) => k.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n: string) => n === "x" || n === "y")).toHaveLength(1);
    const state = await h.as().get("/v1/stacks/keys/state");
    const stateIds = state.body.resources.flatMap((r: { instances: Array<{ attributes: { id: string } }> }) => r.instances.map((i) => i.attributes.id)).sort();
    const managed = active.filter((k: { managed_by_stack: string | null }) => k.managed_by_stack === "keys").map((k: { id: string }) => k.id).sort();
    expect(stateIds).toEqual(managed);
  });

  it("force-unlock releases a lock left by a crashed apply; a wrong id is refused", async () => {
    // Simulate a crashed apply: a lock row that nobody renews.
    await h.store.write((tx) => tx.query("UPDATE stacks SET lock_id = ?, lock_operation = ?, lock_who = ?, lock_created_at = ?, lock_expires_at = ? WHERE name = ?", [
      "11111111-1111-4111-8111-111111111111", "OperationTypeApply", "operator@10.0.0.9", Date.now(), Date.now() + 60_000, "keys"]));
    const p = await plan("keys", { config: config({ ci: { name: "github-actions", expires_in: "90d", scopes: ["alerts:send"] }, a: { name: "a" }, z: { name: "z" } }) });
    const locked = await apply(p.body.id);
    expect(locked.status).toBe(409);
    expect(locked.body.code).toBe("STACK_LOCKED");
    expect(locked.body.lock).toMatchObject({ id: "11111111-1111-4111-8111-111111111111", operation: "OperationTypeApply", who: "operator@10.0.0.9" });
    const wrong = await h.as().delete("/v1/stacks/keys/lock").send({ lock_id: "nope" });
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe("LOCK_ID_MISMATCH");
    const ok = await h.as().delete("/v1/stacks/keys/lock").send({ lock_id: "11111111-1111-4111-8111-111111111111" });
    expect(ok.status).toBe(200);
    expect((await apply(p.body.id)).status).toBe(200);
  });

  it("lists stacks and shows one with its plans", async () => {
    const list = await h.as().get("/v1/stacks");
    expect(list.body.stacks.map((s: { name: string }) => s.name)).toContain("keys");
    const one = await h.as().get("/v1/stacks/keys");
    expect(one.body.stack).toMatchObject({ name: "keys", lock: null });
    expect(one.body.plans.length).toBeGreaterThan(3);
    expect((await h.as().get("/v1/stacks/nope")).status).toBe(404);
  });
});
