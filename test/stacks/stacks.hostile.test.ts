import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { STORE_KINDS } from "../support/db";
import { ADMIN_TOKEN, Harness } from "../support/harness";

/**
 * Hostile plan configurations (issue 11, found items 4 and 5): each is answered in bounded time (the
 * test timeouts) with a PLAN_FAILED diagnostic naming the limit, stored as a failed plan, never a 5xx;
 * and while a plan is being evaluated the replica keeps answering /healthz and /v1/verify.
 */

type Json = Record<string, unknown>;

const provider = { keyform: [{ account: "acme" }] };
const cfg = (extra: Json): Json => ({ "//": { metadata: { stackName: "hostile" } }, provider, ...extra });
const resources = (n: number, prefix = "k"): Json => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, { name: `${prefix}-${i}` }]));

/** A plan request whose `scopes` is an array nested `depth` deep, written out (JSON.stringify recurses too). */
function deepBody(depth: number): string {
  const text = JSON.stringify({ config: cfg({ resource: { keyform_api_key: { k: { name: "k", scopes: "DEEP" } } } }) });
  return text.replace('"DEEP"', `${"[".repeat(depth)}"x"${"]".repeat(depth)}`);
}

function localChain(n: number, link: (next: string) => unknown, last: unknown): Json {
  const locals: Json = {};
  for (let i = 0; i < n; i++) locals[`l${i}`] = link(`local.l${i + 1}`);
  locals[`l${n}`] = last;
  return locals;
}

/** Found item 4: "locals that each reference the next one twice … 21 levels (966 bytes)". */
const doublingLocals = cfg({ locals: localChain(21, (next) => `\${${next}}\${${next}}`, "x"), resource: { keyform_api_key: { k: { name: "${local.l0}" } } } });

const HOSTILE: Array<[string, string, Json | (() => string)]> = [
  ["found item 4: 21 levels of locals that each refer to the next one twice", "Invalid key name", doublingLocals],
  ["found item 4: the same, 40 levels", "Evaluation budget exceeded", cfg({ locals: localChain(40, (next) => `\${${next}}\${${next}}`, "x"), resource: { keyform_api_key: { k: { name: "${local.l0}" } } } })],
  ["found item 4: 100,000 plain resource blocks (4.7 MB)", "Too many blocks", cfg({ resource: { keyform_api_key: resources(100_000) } })],
  ["found item 4: 160,000 plain resource blocks", "Too many blocks", cfg({ resource: { keyform_api_key: resources(160_000) } })],
  ["found item 5: an array nested 5,000 deep in an attribute", "Configuration nested too deeply", () => deepBody(5_000)],
  ["found item 5: `${[[[…]]]}` nested 10,000 deep", "Expression nested too deeply", cfg({ resource: { keyform_api_key: { k: { name: "${" + "[".repeat(10_000) + "]".repeat(10_000) + "}" } } } })],
  ["found item 5: a chain of 5,000 locals", "Reference chain too long", cfg({ locals: localChain(5_000, (next) => `\${${next}}`, "x"), resource: { keyform_api_key: { k: { name: "${local.l0}" } } } })],
  [
    "found item 5: a chain of 1,000 resource-argument references",
    "Reference chain too long",
    cfg({ resource: { keyform_api_key: Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, { name: i < 1_000 ? `\${keyform_api_key.k${i + 1}.name}` : "end" }])) } }),
  ],
  ["20,000 data blocks", "Too many blocks", cfg({ data: { keyform_api_key: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`d${i}`, { id: "key_x" }])) } })],
  ["20,000 output blocks", "Too many blocks", cfg({ output: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`o${i}`, { value: "v" }])) })],
  ["20,000 variable blocks", "Too many blocks", cfg({ variable: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`v${i}`, { default: i }])) })],
  ["20,000 local values", "Too many blocks", cfg({ locals: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`l${i}`, i])) })],
  ["a for_each map of 300,000 keys", "Invalid for_each argument", cfg({ resource: { keyform_api_key: { k: { name: "${each.key}", for_each: Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i])) } } } })],
  ["count = 2^53", "Invalid count argument", cfg({ resource: { keyform_api_key: { k: { name: "k-${count.index}", count: 2 ** 53 } } } })],
  ["one list referenced by 5,000 outputs", "Evaluation budget exceeded", cfg({ locals: { big: Array.from({ length: 10_000 }, (_, i) => `s${i}`) }, output: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`o${i}`, { value: "${local.big}" }])) })],
];

describe.each(STORE_KINDS)("hostile plan configurations on %s", (kind) => {
  let h: Harness;
  let server: Server;
  let base: string;
  let reader: string;
  let verifier: string;
  let probe: string;

  beforeAll(async () => {
    // What stops these plans is the evaluation limits, not the clock: a wall-clock budget well above the
    // default, so that a machine busy with other suites does not turn a plan into a timeout.
    h = await Harness.start(kind, { settings: { planTimeoutMs: 90_000 } });
    await h.account("acme", { key_limit: 10_000 });
    await h.account("bulk", { key_limit: 10_000 });
    reader = (await h.key("acme", { name: "reader", scopes: ["keys:read"] })).secret;
    verifier = (await h.key("acme", { name: "verifier", scopes: ["keys:verify"] })).secret;
    probe = (await h.key("acme", { name: "probe" })).secret;
    server = createServer(h.app);
    // Idle keep-alive connections stay open for the whole file: a POST sent on one the server is just
    // closing would fail with ECONNRESET (fetch does not retry it).
    server.keepAliveTimeout = 600_000;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await h.close();
  });

  /** Plans `config` (or a request body written out by a function). */
  const plan = async (config: unknown, token = ADMIN_TOKEN) => {
    const body = typeof config === "function" ? (config as () => string)() : JSON.stringify({ config });
    const res = await fetch(`${base}/v1/stacks/hostile/plans`, {
      method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body,
    });
    return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Json, done: performance.now() };
  };
  const healthz = async () => {
    const res = await fetch(`${base}/healthz`);
    return { status: res.status, done: performance.now() };
  };
  const verify = async () => {
    const res = await fetch(`${base}/v1/verify`, { method: "POST", headers: { authorization: `Bearer ${verifier}`, "content-type": "application/json" }, body: JSON.stringify({ key: probe }) });
    return { status: res.status, code: ((await res.json()) as Json).code, done: performance.now() };
  };
  const inProgress = async () => (await h.services.metrics.plansInProgress.get()).values[0]?.value ?? 0;

  /**
   * Plans `config` and, once the replica reports the plan in progress, asks /healthz and /v1/verify:
   * both must be answered before the plan is. (A plan evaluated on the request thread blocks them.)
   */
  async function planWhileProbing(config: unknown, token?: string) {
    const planning = plan(config, token);
    let finished = false;
    void planning.finally(() => (finished = true));
    while (!finished && (await inProgress()) < 1) await new Promise((r) => setTimeout(r, 2));
    expect(finished).toBe(false); // the plan is long enough to be watched
    const [health, verified, planned] = await Promise.all([healthz(), verify(), planning]);
    expect(health.status).toBe(200);
    expect(verified).toMatchObject({ status: 200, code: "VALID" });
    expect(health.done).toBeLessThan(planned.done);
    expect(verified.done).toBeLessThan(planned.done);
    return planned;
  }

  async function expectStoredFailure(res: Awaited<ReturnType<typeof plan>>, summary: string) {
    expect(res.status).toBe(422);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: "PLAN_FAILED", status: 422 });
    const diagnostics = res.body.diagnostics as Array<{ severity: string; summary: string; detail: string }>;
    expect(diagnostics.some((d) => d.severity === "error" && d.summary === summary)).toBe(true);
    expect(res.body.detail).toContain(summary);
    // Stored like any failed plan, so a pull request can show why.
    expect(res.body.plan_id).toMatch(/^plan_/);
    expect((res.body.plan as Json).errored).toBe(true);
    const stored = await h.as().get(`/v1/plans/${res.body.plan_id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.errored).toBe(true);
    expect(stored.body.diagnostics.map((d: { summary: string }) => d.summary)).toContain(summary);
  }

  it.each(HOSTILE)("%s → PLAN_FAILED: %s", async (_name, summary, config) => {
    const [res, health] = await Promise.all([plan(config), healthz()]);
    expect(health.status).toBe(200);
    await expectStoredFailure(res, summary);
  }, 120_000);

  it("found item 4: the 966-byte doubling locals, sent with a keys:read key beside 10,000 resources, while /healthz and /v1/verify answer", async () => {
    expect(JSON.stringify(doublingLocals.locals).length).toBeLessThan(1_000);
    const config = { ...doublingLocals, resource: { keyform_api_key: { ...resources(9_990, "a"), k: { name: "${local.l0}" } } } };
    const res = await planWhileProbing(config, reader);
    await expectStoredFailure(res, "Invalid key name");
    const diagnostics = res.body.diagnostics as Array<{ address?: string; detail: string }>;
    const onK = diagnostics.find((d) => d.address === "keyform_api_key.k")!;
    expect(onK.detail.length).toBeLessThan(300); // the 2-million-character name is quoted shortened
  }, 180_000);

  it("a large valid plan (10,000 keys) is evaluated while /healthz and /v1/verify answer", async () => {
    const res = await planWhileProbing(cfg({ provider: { keyform: [{ account: "bulk" }] }, resource: { keyform_api_key: resources(10_000) } }));
    expect(res.status).toBe(201);
    expect(res.body.summary).toMatchObject({ add: 10_000 });
  }, 180_000);

  it("the most heap a body can take to parse (8 MiB of empty objects) fits in a plan worker: planned, not a crash", async () => {
    const limit = h.services.settings.planConfigLimitBytes;
    const head = '{"config":{"provider":{"keyform":[{"account":"acme"}]},"variable":{"v":{"default":[';
    const body = `${head}${"{},".repeat(Math.floor((limit - head.length - 10) / 3))}{}]}}}}`;
    expect(body.length).toBeLessThanOrEqual(limit);
    const res = await plan(() => body);
    expect(res.status === 201 ? 201 : res.body).toBe(201); // on failure, the problem it answered
    expect((await healthz()).status).toBe(200);
  }, 120_000);

  it("the body is read as bytes and refused as before: malformed JSON, another media type, another charset, too large", async () => {
    const post = (body: string, type: string) => fetch(`${base}/v1/stacks/hostile/plans`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": type }, body });
    const malformed = await post('{"config": {', "application/json");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ field: "/", message: "is not valid JSON" }] });
    const scalar = await post('"config"', "application/json");
    expect((await scalar.json()).code).toBe("VALIDATION_FAILED");
    const text = await post(JSON.stringify({ config: {} }), "text/plain");
    expect(text.status).toBe(400);
    expect((await text.json()).errors).toEqual([{ field: "/config", message: "is required" }]);
    const latin1 = await post(JSON.stringify({ config: {} }), "application/json; charset=latin1");
    expect(latin1.status).toBe(415);
    expect((await latin1.json()).code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const unknown = await post(JSON.stringify({ config: {}, extra: 1 }), "application/json; charset=utf-8");
    expect((await unknown.json()).errors).toEqual([{ field: "/extra", message: "is not a known field" }]);
    const big = await post(JSON.stringify({ config: { variable: { pad: { default: "x".repeat(9 << 20) } } } }), "application/json");
    expect(big.status).toBe(413);
    const ok = await post(`\uFEFF${JSON.stringify({ config: cfg({ resource: { keyform_api_key: { a: { name: "a" } } } }) })}`, "application/json");
    expect(ok.status).toBe(201);
  }, 60_000);
});
