import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

/** One sample of a Prometheus text exposition, e.g. value(text, "keyform_verifications_total", { code: "VALID" }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe.each(STORE_KINDS)("observability (%s)", (kind) => {
  let h: Harness;
  const metrics = async () => (await h.anon.get("/metrics")).text;
  beforeAll(async () => {
    h = await Harness.start(kind, { settings: { trustProxy: "loopback" } });
    await h.account("obs", { key_limit: 50 });
  });
  afterAll(() => h.close());

  it("logs one JSON object per line, each request with the req_id of its x-request-id header", async () => {
    const res = await h.as().get("/v1/accounts/obs");
    const mine = await h.as().get("/v1/accounts/obs").set("x-request-id", "trace-abc.123_x");
    const hostile = await h.as().get("/v1/accounts/obs").set("x-request-id", "bad id\" with {json}");
    const failed = await h.as().get("/v1/accounts/nope");
    expect(mine.headers["x-request-id"]).toBe("trace-abc.123_x");
    expect(hostile.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/); // not echoed: replaced
    expect(failed.body.request_id).toBe(failed.headers["x-request-id"]);
    const lines = h.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of [res, mine, hostile, failed]) {
      const line = lines.find((l) => l.req_id === r.headers["x-request-id"]);
      expect(line).toMatchObject({ msg: "request", method: "GET", route: "/v1/accounts/:account", status: r.status, service: "keyform" });
      expect(typeof line!.ms).toBe("number");
      expect(typeof line!.time).toBe("string");
    }
  });

  it("/metrics counts requests and latency by route and status, verifications by code, active keys by type", async () => {
    const before = await metrics();
    const live = await h.key("obs", { name: "m-live" });
    await h.key("obs", { name: "m-temp", type: "temp" });
    for (let i = 0; i < 3; i++) await h.as().get("/v1/accounts/obs");
    await h.as().get("/v1/accounts/missing-one");
    await h.verify(live.secret);
    await h.verify(live.secret);
    await h.verify("kf_live_notakey");
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta("keyform_http_requests_total", { method: "GET", route: "/v1/accounts/:account", status: "200" })).toBe(3);
    expect(delta("keyform_http_requests_total", { method: "GET", route: "/v1/accounts/:account", status: "404" })).toBe(1);
    expect(delta("keyform_http_requests_total", { method: "POST", route: "/v1/accounts/:account/keys", status: "201" })).toBe(2);
    expect(delta("keyform_http_request_duration_seconds_count", { method: "GET", route: "/v1/accounts/:account", status: "200" })).toBe(3);
    expect(delta("keyform_http_request_duration_seconds_count", { method: "POST", route: "/v1/verify", status: "200" })).toBe(3);
    expect(sample(after, "keyform_http_request_duration_seconds_bucket", { method: "GET", route: "/v1/accounts/:account", status: "200", le: "+Inf" })).toBeGreaterThanOrEqual(3);
    expect(delta("keyform_verifications_total", { code: "VALID" })).toBe(2);
    expect(delta("keyform_verifications_total", { code: "MALFORMED" })).toBe(1);
    expect(delta("keyform_active_keys", { type: "live" })).toBe(1);
    expect(delta("keyform_active_keys", { type: "temp" })).toBe(1);
    await h.as().delete(`/v1/accounts/obs/keys/${live.key.id}`);
    expect(sample(await metrics(), "keyform_active_keys", { type: "live" })).toBe(sample(after, "keyform_active_keys", { type: "live" }) - 1);
    // Unknown paths are one label, so a scanner cannot blow up the metric's cardinality.
    await h.as().get("/v1/wp-admin/../x");
    expect(after).not.toContain("wp-admin");
    expect(await metrics()).toMatch(/keyform_http_requests_total\{method="GET",route="unmatched",status="404"\}/);
  });

  it("/metrics counts plans and applies by outcome", async () => {
    const before = await metrics();
    const config = { provider: { keyform: [{ account: "obs" }] }, resource: { keyform_api_key: { a: { name: "stacked" } } } };
    const plan = await h.as().post("/v1/stacks/obs-stack/plans", { config });
    expect(plan.status).toBe(201);
    expect((await h.as().post(`/v1/plans/${plan.body.id}/apply`, {})).status).toBe(200);
    expect((await h.as().post(`/v1/plans/${plan.body.id}/apply`, {})).status).toBe(409);
    const bad = await h.as().post("/v1/stacks/obs-stack/plans", { config: { ...config, resource: { keyform_api_key: { a: { name: "bad name!" } } } } });
    expect(bad.status).toBe(422);
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta("keyform_plans_total", { outcome: "changes" })).toBe(1);
    expect(delta("keyform_plans_total", { outcome: "errored" })).toBe(1);
    expect(delta("keyform_applies_total", { outcome: "applied" })).toBe(1);
  });

  it("/healthz is the process, /readyz the database and its migrations", async () => {
    expect((await h.anon.get("/healthz")).body).toEqual({ status: "ok" });
    const ready = await h.anon.get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", database: "reachable", migrations: "current" });
    // Roll the newest migration back: the replica is alive but must not take traffic.
    await h.store.dataSource.undoLastMigration({ transaction: kind === "sqlite" ? "each" : "none" });
    const pending = await h.anon.get("/readyz");
    expect(pending.status).toBe(503);
    expect(pending.body).toMatchObject({ code: "STORE_UNAVAILABLE", migrations: "pending" });
    expect((await h.anon.get("/healthz")).status).toBe(200);
    await h.store.migrate();
    expect((await h.anon.get("/readyz")).status).toBe(200);
  });

  it("records every change to an account or key: who, what, when, from where", async () => {
    const started = Date.now();
    const from = { "x-forwarded-for": "192.0.2.44" }; // trusted from loopback: the client's address
    const op = () => ({
      post: (p: string, b: object) => h.as().post(p, b).set(from),
      patch: (p: string, b: object) => h.as().patch(p, b).set(from),
      delete: (p: string) => h.as().delete(p).set(from),
    });
    expect((await op().post("/v1/accounts", { id: "audited" })).status).toBe(201);
    expect((await op().patch("/v1/accounts/audited", { key_limit: 20 })).status).toBe(200);
    const manager = (await op().post("/v1/accounts/audited/keys", { name: "manager", scopes: ["keys:manage"] })).body;
    const child = await h.as(manager.secret).post("/v1/accounts/audited/keys", { name: "child" }).set(from);
    expect(child.status).toBe(201);
    expect((await h.as(manager.secret).patch(`/v1/accounts/audited/keys/${child.body.key.id}`, { name: "child-2" }).set(from)).status).toBe(200);
    expect((await op().post(`/v1/accounts/audited/keys/${child.body.key.id}/regenerate`, {})).status).toBe(200);
    expect((await op().post("/v1/accounts/audited/keys/import", { name: "legacy", secret: "0f8fad5b-d9cb-469f-a165-70867728950e" })).status).toBe(201);
    expect((await op().delete(`/v1/accounts/audited/keys/${child.body.key.id}`)).status).toBe(204);
    const plan = await op().post("/v1/stacks/audited-stack/plans", { config: { provider: { keyform: [{ account: "audited" }] }, resource: { keyform_api_key: { s: { name: "from-stack" } } } } });
    expect((await op().post(`/v1/plans/${plan.body.id}/apply`, {})).status).toBe(200);
    // Another account's key cannot read this account's audit log.
    expect((await h.as(manager.secret).get("/v1/accounts/obs/audit")).status).toBe(404);
    expect((await op().post("/v1/accounts/audited/keys/revoke-all", {})).status).toBe(200);

    const log = await h.as().get("/v1/accounts/audited/audit");
    expect(log.status).toBe(200);
    const events = [...log.body.events].reverse() as Array<{ actor: string; action: string; target: string | null; source: string; at: string; details: Record<string, unknown> }>;
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ["account.create", "operator"],
      ["account.update", "operator"],
      ["key.create", "operator"],
      ["key.create", `key:${manager.key.id}`],
      ["key.update", `key:${manager.key.id}`],
      ["key.regenerate", "operator"],
      ["key.import", "operator"],
      ["key.revoke", "operator"],
      ["key.create", "stack:audited-stack"],
      ["key.revoke_all", "operator"],
    ]);
    for (const e of events) {
      expect(e.source).toBe("192.0.2.44");
      const at = Date.parse(e.at);
      expect(at).toBeGreaterThanOrEqual(started - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    }
    expect(events[3].target).toBe(child.body.key.id);
    expect(events[8].details).toMatchObject({ applied_by: "operator", plan: plan.body.id });
    // No secret, or hash of one, is in the audit log.
    expect(JSON.stringify(log.body)).not.toMatch(/kf_(live|temp)_|[0-9a-f]{64}|0f8fad5b-d9cb/);
  });
});

describe("logs of a served process", () => {
  it("are JSON lines carrying the request id of each response, and no secret", async () => {
    const { serveKeyform, api } = await import("../support/cli");
    const srv = await serveKeyform({ env: { KEYFORM_ADMIN_TOKEN: "served-logs-operator-token" } });
    try {
      expect((await api(srv.endpoint, "served-logs-operator-token", "POST", "/v1/accounts", { id: "served" })).status).toBe(201);
      const key = await api(srv.endpoint, "served-logs-operator-token", "POST", "/v1/accounts/served/keys", { name: "k" });
      expect(key.status).toBe(201);
      const res = await fetch(`${srv.endpoint}/v1/accounts/served`, { headers: { authorization: "Bearer served-logs-operator-token", "x-request-id": "lb-trace-42" } });
      expect(res.headers.get("x-request-id")).toBe("lb-trace-42");
      await fetch(`${srv.endpoint}/v1/accounts/served`, { headers: { authorization: `Bearer ${key.body.secret}` } });
    } finally {
      expect(await srv.stop("SIGTERM")).toBe(0);
    }
    const lines = srv.logs().split("\n").filter((l) => l && !l.startsWith("keyform listening on"));
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.find((l) => l.req_id === "lb-trace-42")).toMatchObject({ msg: "request", route: "/v1/accounts/:account", status: 200 });
    expect(parsed.filter((l) => l.msg === "request").every((l) => typeof l.req_id === "string")).toBe(true);
    expect(parsed.some((l) => l.msg === "shutting down")).toBe(true);
    srv.assertNoSecretInLogs();
  });
});
