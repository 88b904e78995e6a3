import { DEFAULT_SETTINGS } from "../../server/config";
import { buildServices, type Services } from "../../server/container";
import { createApp } from "../../server/app";
import { createLogger } from "../../server/logging/logger";
import { DEFAULT_LIMITS } from "../../server/reconciler/evaluation-limits";
import { DEFAULT_KEY_TERMS } from "../../core/keys/terms";
import { Store } from "../../server/store/store";
import { join } from "node:path";
import request from "supertest";
import { WorkerPlanPool } from "../../server/stacks/plan-pool";
import { PlanEvaluationFailure } from "../../server/stacks/plan-worker.protocol";
import { ADMIN_TOKEN, Harness, LogCapture } from "../support/harness";

/**
 * Plan workers: a plan that outlives the wall-clock budget, or whose worker dies, ends in a clean
 * PLAN_FAILED (never a hung request or a 5xx), and a fresh worker serves the next plan.
 */

const cfg = (extra: Record<string, unknown>) => ({ "//": { metadata: { stackName: "w" } }, provider: { keyform: [{ account: "acme" }] }, ...extra });
const small = cfg({ resource: { keyform_api_key: { a: { name: "a" } } } });

describe("a plan over the wall-clock budget", () => {
  let h: Harness;
  beforeAll(async () => {
    // The step limit raised so far that rendering, not evaluation, is what never ends.
    h = await Harness.start("sqlite", { settings: { planTimeoutMs: 1_000, planLimits: { ...DEFAULT_LIMITS, maxSteps: 1e9 } } });
    await h.account("acme");
    // The pool's worker started and warm: the budget below is spent on the plan, not on booting a worker.
    expect((await h.as().post("/v1/stacks/warm/plans", { config: small })).status).toBe(201);
  }, 60_000);
  afterAll(() => h.close());

  it("is stopped, answered PLAN_FAILED naming the limit and stored as a failed plan; the next plan is served", async () => {
    // 5,000 outputs of one 20,000-item list: 100 million list items to render.
    const big = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
    const config = cfg({ locals: { big }, output: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`o${i}`, { value: "${local.big}" }])) });
    const res = await h.as().post("/v1/stacks/w/plans", { config });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("PLAN_FAILED");
    expect(res.body.diagnostics).toEqual([
      { severity: "error", summary: "Plan evaluation timed out", detail: expect.stringContaining("longer than 1,000 ms and was stopped; the limit is server setting KEYFORM_PLAN_TIMEOUT_MS") },
    ]);
    // It timed out after the accounts were authorized: stored, with no changes.
    const stored = await h.as().get(`/v1/plans/${res.body.plan_id}`);
    expect(stored.body).toMatchObject({ errored: true, has_changes: false, summary: { add: 0, change: 0, destroy: 0 } });
    expect(stored.body.terraform.resource_changes).toEqual([]);
    expect(h.logs.text).toContain("plan evaluation timed out");

    const next = await h.as().post("/v1/stacks/w/plans", { config: small });
    expect(next.status).toBe(201);
    expect(next.body.summary.add).toBe(1);
  }, 120_000);
});

describe("a plan worker that dies", () => {
  // A stand-in worker (test/support/crashing-plan-worker.js) that exits on a plan of stack "crash". A real
  // worker cannot be made to die on purpose: hitting its heap limit is what would do it, and on Node 20
  // that may abort the whole process (nodejs/node#47224), which is why the evaluation limits keep a
  // plan's memory far below the worker heap limit.
  const logs = new LogCapture();
  const pool = new WorkerPlanPool({
    size: 1, timeoutMs: 10_000, heapMb: 64, entry: join(__dirname, "../support/crashing-plan-worker.js"),
    data: { store: { url: "sqlite::memory:" }, terms: DEFAULT_KEY_TERMS, limits: DEFAULT_LIMITS, nice: 0 }, logger: createLogger({ destination: logs }),
  });
  afterAll(() => pool.close());

  it("fails its plan with a clean PlanEvaluationFailure, is logged, and a fresh worker serves the next plan", async () => {
    const first = await pool.session();
    const before = (await first.parse("ok", 0, undefined)).accounts[0];
    const failure = await first.parse("crash", 0, new Uint8Array([123, 125])).catch((e: unknown) => e);
    first.release();
    expect(failure).toBeInstanceOf(PlanEvaluationFailure);
    expect(failure).toMatchObject({ reason: "crash", diagnostic: { severity: "error", summary: "Plan evaluation failed" } });
    expect(logs.text).toContain("plan worker stopped");
    const next = await pool.session();
    const after = (await next.parse("ok", 0, undefined)).accounts[0];
    next.release();
    expect(after).toMatch(/^thread-\d+$/);
    expect(after).not.toBe(before);
  });
});

describe("plans waiting for a worker", () => {
  const pool = new WorkerPlanPool({
    size: 1, timeoutMs: 10_000, heapMb: 64, maxWaiting: 2, entry: join(__dirname, "../support/crashing-plan-worker.js"),
    data: { store: { url: "sqlite::memory:" }, terms: DEFAULT_KEY_TERMS, limits: DEFAULT_LIMITS, nice: 0 }, logger: createLogger({ destination: new LogCapture() }),
  });
  afterAll(() => pool.close());

  it("wait their turn up to a bound; past it they are refused with 429 RATE_LIMITED and Retry-After", async () => {
    const busy = await pool.session();
    const waiting = [pool.session(), pool.session()];
    const refused = await pool.session().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "RATE_LIMITED", status: 429, extra: { headers: { "Retry-After": "1" } } });
    busy.release();
    for (const w of waiting) {
      const s = await w;
      expect((await s.parse("ok", 0, undefined)).accounts).toHaveLength(1);
      s.release();
    }
  });
});

describe("plans on an in-memory SQLite database (no other thread can open it)", () => {
  let store: Store;
  let services: Services;
  beforeAll(async () => {
    store = await Store.open({ url: "sqlite::memory:" });
    services = buildServices(store, { ...DEFAULT_SETTINGS, adminToken: ADMIN_TOKEN }, createLogger({ destination: new LogCapture() }));
  });
  afterAll(async () => {
    await services.shutdown();
    await store.close();
  });

  it("are evaluated in-process, with the same limits", async () => {
    const app = createApp(services);
    const as = (p: string, body: unknown) => request(app).post(p).set("authorization", `Bearer ${ADMIN_TOKEN}`).send(body as object);
    expect((await as("/v1/accounts", { id: "acme" })).status).toBe(201);
    const ok = await as("/v1/stacks/w/plans", { config: small });
    expect(ok.status).toBe(201);
    expect((await as(`/v1/plans/${ok.body.id}/apply`, {})).status).toBe(200);
    const deep = await as("/v1/stacks/w/plans", { config: cfg({ locals: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`l${i}`, i])) }) });
    expect(deep.status).toBe(422);
    expect(deep.body.diagnostics[0].summary).toBe("Too many blocks");
  });
});
