/**
 * keyform benchmark: one run on MySQL/MariaDB, printed as a table and written to bench/results.json.
 *
 *   npm run bench          (builds, then runs dist/bench/run.js)
 *
 * Environment: KEYFORM_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306), BENCH_DURATION (seconds per
 * HTTP scenario, default 10), BENCH_WARMUP (default 3), BENCH_CONNECTIONS (default 32), BENCH_SIZES
 * (default 100,1000,10000), BENCH_STRICT=1 (exit 3 when a target is missed). Profiling helpers:
 * BENCH_PHASES=http,stacks,busy (any of them), BENCH_BUSY_RATE / BENCH_BUSY_CONNECTIONS (the steady verify load
 * measured idle and while 10,000-key plans run), BENCH_ONLY_VALID=1, BENCH_KEYFORM_NODE_FLAGS="--cpu-prof --cpu-prof-dir=…",
 * BENCH_KEEP_LOGS=1 (keeps the servers' logs in a temporary directory).
 *
 * Every server runs in its own child process; autocannon runs here, in the parent, so the load generator
 * and the server under test never share an event loop. Everything binds to 127.0.0.1 and is bounded by
 * a duration or a request count. The private database is created at start and dropped at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, readFileSync, writeFileSync, closeSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, totalmem, tmpdir, release, setPriority } from "node:os";
import { join, resolve } from "node:path";
import mysql from "mysql2/promise";
import { checksum, randomBase62 } from "../server/keys/key-secret";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

const ROOT = resolve(__dirname, "..", "..");
const DIST = resolve(__dirname, "..");
const MYSQL_BASE = process.env.KEYFORM_BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);
const ADMIN = `bench-admin-${randomBase62(24)}`;
const VALID_KEYS = 200;
/** For profiling: which phases to run (http, stacks) and extra node flags for the keyform process only. */
const PHASES = new Set((process.env.BENCH_PHASES ?? "http,stacks,busy").split(","));
/** The steady verification load measured idle and while 10,000-key plans are evaluated on the same replica. */
const BUSY_RATE = Number(process.env.BENCH_BUSY_RATE ?? 1000);
const BUSY_CONNECTIONS = Number(process.env.BENCH_BUSY_CONNECTIONS ?? 8);
const KEYFORM_NODE_FLAGS = (process.env.BENCH_KEYFORM_NODE_FLAGS ?? "").split(" ").filter(Boolean);

// ---------------------------------------------------------------- helpers

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

async function adminConn() {
  const u = new URL(MYSQL_BASE);
  return mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || "root", password: decodeURIComponent(u.password) });
}

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `kf_bench_${randomBytes(6).toString("hex")}`;
  const c = await adminConn();
  await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await c.end();
  const u = new URL(MYSQL_BASE);
  u.pathname = `/${name}`;
  return { name, url: u.toString() };
}

async function dropDatabase(name: string): Promise<void> {
  const c = await adminConn();
  await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await c.end();
}

interface Child {
  proc: ChildProcess;
  port: number;
  base: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

async function startChild(label: string, args: string[], env: Record<string, string>, logFile: string, probe: string): Promise<Child> {
  const port = await freePort();
  const out = openSync(logFile, "a");
  // Server output (keyform's JSON request log included) goes to a file, as in production, never
  // through a pipe that the load generator's process would have to drain.
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ["ignore", out, out] });
  closeSync(out);
  children.add(proc);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${label} exited with ${proc.exitCode}; see ${logFile}`);
    try {
      const r = await fetch(base + probe, { method: probe === "/v1/verify" ? "POST" : "GET", headers: { "content-type": "application/json" }, body: probe === "/v1/verify" ? "{}" : undefined });
      await r.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${label} did not start; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    proc, port, base,
    stop: () => stopChild(proc, 10_000),
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
function stopChild(proc: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((res) => {
    if (proc.exitCode !== null) return res();
    const t = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    proc.once("exit", () => {
      clearTimeout(t);
      children.delete(proc);
      res();
    });
    proc.kill("SIGTERM");
  });
}

function startKeyform(dbUrl: string, logFile: string): Promise<Child> {
  return (async () => {
    const port = await freePort();
    const out = openSync(logFile, "a");
    const proc = spawn(process.execPath, [...KEYFORM_NODE_FLAGS, join(DIST, "server/cli/main.js"), "serve", "--port", String(port), "--host", "127.0.0.1", "--database-url", dbUrl], {
      cwd: ROOT, env: { ...process.env, KEYFORM_ADMIN_TOKEN: ADMIN, KEYFORM_LOG_LEVEL: "info" }, stdio: ["ignore", out, out],
    });
    closeSync(out);
    children.add(proc);
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`keyform exited with ${proc.exitCode}; see ${logFile}`);
      try {
        const r = await fetch(base + "/readyz");
        await r.arrayBuffer();
        if (r.ok) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`keyform did not become ready; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      proc, port, base,
      stop: () => stopChild(proc, 30_000),
    };
  })();
}

async function api(base: string, method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; json: any; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  const ms = performance.now() - t0;
  return { status: r.status, json: text ? JSON.parse(text) : null, ms };
}

async function must(base: string, method: string, path: string, body?: unknown, expect = [200, 201, 204]) {
  const r = await api(base, method, path, body);
  if (!expect.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json).slice(0, 500)}`);
  return r;
}

/** A well-formed key (right shape and checksum) that no database holds. */
function unknownKey(): string {
  const body = `kf_live_${randomBase62(30)}`;
  return body + checksum(body);
}

/** CPU seconds (user + system) a process — or, with `tid`, one of its threads — has used so far. */
function cpuSecondsOf(pid: number, tid?: number): number {
  const f = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? 0);
  return { rss: kb("VmRSS") * 1024, hwm: kb("VmHWM") * 1024 };
}

// ---------------------------------------------------------------- HTTP scenarios

interface HttpRow {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
  ratio?: number;
  p99Ratio?: number;
  /** Server process CPU time per request (µs): robust to other load on the machine. */
  cpuUsPerReq?: number;
}

async function load(name: string, url: string, token: string, pick: () => string, duration: number, contentType: string): Promise<HttpRow> {
  const r = await autocannon({
    url: url + "/v1/verify",
    method: "POST",
    connections: CONNECTIONS,
    pipelining: 1,
    duration,
    headers: { "content-type": contentType, authorization: `Bearer ${token}` },
    requests: [{ method: "POST", setupRequest: (req: Record<string, unknown>) => ({ ...req, body: `{"key":"${pick()}"}` }) }],
  });
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total };
}

/** A steady verification load (`BUSY_RATE` req/s over `BUSY_CONNECTIONS` connections): latency at a rate the replica can serve. */
async function steadyLoad(url: string, token: string, pick: () => string, duration: number): Promise<{ p50: number; p99: number; max: number; total: number; errors: number; non2xx: number }> {
  const r = await autocannon({
    url: url + "/v1/verify",
    method: "POST",
    connections: BUSY_CONNECTIONS,
    overallRate: BUSY_RATE,
    duration,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    requests: [{ method: "POST", setupRequest: (req: Record<string, unknown>) => ({ ...req, body: `{"key":"${pick()}"}` }) }],
  });
  return { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, total: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

type SteadyRow = { p50: number; p99: number; max: number; total: number; errors: number; non2xx: number };

/** What the request thread did during a window: its CPU time and its event-loop delay (p99, max). */
interface ThreadRow {
  cpuMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

interface BusyRow {
  rate: number;
  idle: SteadyRow & ThreadRow;
  busy: SteadyRow & ThreadRow;
  p99Ratio: number;
  plans: number;
  planStatuses: Record<string, number>;
  planMedianMs: number;
}

/**
 * The request thread's event-loop delay since the previous scrape (keyform's process metrics: prom-client
 * resets its monitorEventLoopDelay histogram at each scrape, which samples every 10 ms).
 */
async function loopDelay(base: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  const read = (name: string) => Number(new RegExp(`^keyform_process_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m").exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read("p99"), max: read("max") };
}

/** `steadyLoad`, with the request thread's CPU and event-loop delay over the same window. */
async function measuredLoad(kf: Child, token: string, pick: () => string, duration: number): Promise<SteadyRow & ThreadRow> {
  const pid = kf.proc.pid!;
  await loopDelay(kf.base);
  const cpu0 = cpuSecondsOf(pid, pid);
  const row = await steadyLoad(kf.base, token, pick, duration);
  const cpuMs = Math.round((cpuSecondsOf(pid, pid) - cpu0) * 1000);
  const delay = await loopDelay(kf.base);
  return { ...row, cpuMs, loopDelayP99Ms: Math.round(delay.p99 * 10) / 10, loopDelayMaxMs: Math.round(delay.max * 10) / 10 };
}

/**
 * Verify p99 on a replica while 10,000-key plans are evaluated there back to back (by a separate
 * process, `plan-loop.js`, so receiving the plans never runs on the load generator's event loop),
 * against the same load on the idle replica. Idle and planning windows alternate (idle, planning, idle,
 * planning; `BENCH_DURATION` / 2 seconds each), so both see the same background load of a shared
 * machine; each side's figures are the mean of its two windows (CPU and requests: the sum).
 */
async function verifyWhilePlanning(kf: Child, token: string, pick: () => string, stack: string, config: unknown, tmp: string): Promise<BusyRow> {
  const bodyFile = join(tmp, "busy-plan.json");
  writeFileSync(bodyFile, JSON.stringify({ config }));
  await steadyLoad(kf.base, token, pick, WARMUP || 1);
  const window = Math.max(1, Math.round(DURATION / 2));
  const idle: Array<SteadyRow & ThreadRow> = [];
  const busy: Array<SteadyRow & ThreadRow> = [];
  const results: Array<{ plans: number; statuses: Record<string, number>; ms: number[] }> = [];
  for (let round = 0; round < 2; round++) {
    idle.push(await measuredLoad(kf, token, pick, window));
    const loop = spawn(process.execPath, [join(DIST, "bench/plan-loop.js"), kf.base, ADMIN, stack, bodyFile, String(window + 30)], { stdio: ["ignore", "pipe", "inherit"] });
    children.add(loop);
    // The plans' client stands for a machine elsewhere: on this one it yields the CPU to the replica and
    // the load generator (receiving 24 MB per plan is real work).
    try {
      setPriority(loop.pid!, 10);
    } catch {
      /* not permitted: measured as it is */
    }
    let out = "";
    loop.stdout!.on("data", (d) => (out += d));
    const exited = new Promise<void>((res) => loop.once("exit", () => res()));
    await new Promise((r) => setTimeout(r, 300)); // the first plan is under way
    busy.push(await measuredLoad(kf, token, pick, window));
    loop.kill("SIGTERM");
    await exited; // the plan in flight finishes first: the next idle window starts idle
    children.delete(loop);
    results.push(JSON.parse(out.trim().split("\n").pop() ?? "{}"));
  }
  const merge = (rows: Array<SteadyRow & ThreadRow>): SteadyRow & ThreadRow => {
    const mean = (f: (r: SteadyRow & ThreadRow) => number) => Math.round((rows.reduce((a, r) => a + f(r), 0) / rows.length) * 10) / 10;
    const sum = (f: (r: SteadyRow & ThreadRow) => number) => rows.reduce((a, r) => a + f(r), 0);
    return {
      p50: mean((r) => r.p50), p99: mean((r) => r.p99), max: Math.max(...rows.map((r) => r.max)), total: sum((r) => r.total), errors: sum((r) => r.errors),
      non2xx: sum((r) => r.non2xx), cpuMs: sum((r) => r.cpuMs), loopDelayP99Ms: mean((r) => r.loopDelayP99Ms), loopDelayMaxMs: Math.max(...rows.map((r) => r.loopDelayMaxMs)),
    };
  };
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [k, n] of Object.entries(r.statuses ?? {})) statuses[k] = (statuses[k] ?? 0) + n;
  const i = merge(idle);
  const b = merge(busy);
  const row: BusyRow = {
    rate: BUSY_RATE, idle: i, busy: b, p99Ratio: b.p99 / Math.max(i.p99, 1), plans: results.reduce((a, r) => a + (r.plans ?? 0), 0), planStatuses: statuses,
    planMedianMs: median(results.flatMap((r) => r.ms ?? [])),
  };
  process.stderr.write(
    `  verify at ${BUSY_RATE} req/s: p99 idle ${i.p99} ms, while planning ${b.p99} ms (${row.plans} plans of 10,000 keys, median ${row.planMedianMs} ms); ` +
      `request thread: CPU ${i.cpuMs} / ${b.cpuMs} ms, event-loop delay max ${i.loopDelayMaxMs} / ${b.loopDelayMaxMs} ms\n`,
  );
  return row;
}

/** `contentType`: `application/json` takes keyform's fast lane; any other JSON type goes through Express. */
async function scenario(name: string, url: string, token: string, pick: () => string, pid: number, contentType = "application/json"): Promise<HttpRow> {
  if (WARMUP > 0) await load(name, url, token, pick, WARMUP, contentType);
  const cpu0 = cpuSecondsOf(pid);
  const row = await load(name, url, token, pick, DURATION, contentType);
  row.cpuUsPerReq = ((cpuSecondsOf(pid) - cpu0) * 1e6) / Math.max(1, row.total);
  process.stderr.write(`  ${name}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.cpuUsPerReq.toFixed(0)} µs CPU/req\n`);
  return row;
}

// ---------------------------------------------------------------- stacks

function stackConfig(stack: string, n: number, accounts: string[]): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    resources[`k${i}`] = { name: `svc-${i}`, account: accounts[i % accounts.length], scopes: ["alerts:send"], expires_in: "1y" };
  }
  return {
    "//": { metadata: { backend: "local", stackName: stack, version: "0.21.0" } },
    provider: { keyform: [{ account: accounts[0] }] },
    resource: { keyform_api_key: resources },
    terraform: { required_providers: { keyform: { source: "keyform/keyform" } } },
  };
}

interface StackRow {
  keys: number;
  planMs: number;
  applyMs: number;
  replanMs?: number;
  /**
   * CPU per no-change re-plan: the whole process, and its request thread (the main thread, whose time is
   * what verifications wait for). Robust to other load on the machine, unlike wall times.
   */
  replanCpuMs?: number;
  replanRequestThreadCpuMs?: number;
  /** Highest RSS sampled (every 20 ms) during that step. */
  planPeakRssMB?: number;
  applyPeakRssMB?: number;
  replanPeakRssMB?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), "keyform-bench-"));
  const db = await createDatabase();
  process.stderr.write(`database ${db.name}; logs in ${tmp}\n`);
  const results: Record<string, unknown> = {};
  try {
    // ---- seed keys through keyform's own API
    let kf = await startKeyform(db.url, join(tmp, "keyform-http.log"));
    await must(kf.base, "POST", "/v1/accounts", { id: "bench", key_limit: 1000 });
    const verifier = (await must(kf.base, "POST", "/v1/accounts/bench/keys", { name: "verifier", scopes: ["keys:verify"] })).json.secret as string;
    const valid: string[] = [];
    for (let i = 0; i < VALID_KEYS; i++) valid.push((await must(kf.base, "POST", "/v1/accounts/bench/keys", { name: `user-${i}`, scopes: ["alerts:send"] })).json.secret);
    const unknown = Array.from({ length: 1000 }, unknownKey);
    const malformed = Array.from({ length: 100 }, () => `kf_live_${randomBase62(36)}`);
    let vi = 0, ui = 0, mi = 0;
    const pickValid = () => valid[vi++ % valid.length];
    const pickUnknown = () => unknown[ui++ % unknown.length];
    // Mix: 80 % valid, 15 % unknown, 5 % malformed, interleaved deterministically.
    let mix = 0;
    const pickMix = () => {
      const m = mix++ % 20;
      return m < 16 ? pickValid() : m < 19 ? pickUnknown() : malformed[mi++ % malformed.length];
    };
    // sanity: keyform answers VALID / NOT_FOUND for what we send
    const check = await api(kf.base, "POST", "/v1/verify", { key: valid[0] }, verifier);
    if (check.json?.code !== "VALID") throw new Error(`seeded key does not verify: ${JSON.stringify(check.json)}`);
    await kf.stop();

    // ---- HTTP: each server alone on the machine, same connections and duration
    process.stderr.write(`HTTP: ${CONNECTIONS} connections, ${WARMUP}s warm-up + ${DURATION}s per scenario\n`);
    const http: HttpRow[] = [];
    if (PHASES.has("http")) {
    const bare = await startChild("bare", [join(DIST, "bench/servers/bare.js")], {}, join(tmp, "bare.log"), "/v1/verify");
    http.push(await scenario("bare express (constant)", bare.base, verifier, pickValid, bare.proc.pid!));
    await bare.stop();
    const naive = await startChild("naive", [join(DIST, "bench/servers/naive.js")], { DATABASE_URL: db.url }, join(tmp, "naive.log"), "/v1/verify");
    http.push(await scenario("naive verifier (sha256 + mysql)", naive.base, verifier, pickValid, naive.proc.pid!));
    await naive.stop();
    kf = await startKeyform(db.url, join(tmp, "keyform-http.log"));
    http.push(await scenario("keyform /v1/verify valid", kf.base, verifier, pickValid, kf.proc.pid!));
    if (!process.env.BENCH_ONLY_VALID) {
      http.push(await scenario("keyform /v1/verify unknown", kf.base, verifier, pickUnknown, kf.proc.pid!));
      http.push(await scenario("keyform /v1/verify mix 80/15/5", kf.base, verifier, pickMix, kf.proc.pid!));
      // For comparison only (no target): the same valid-key load with a media type the fast lane leaves
      // to Express, i.e. what every verification cost before the lane.
      http.push(await scenario("keyform valid, via Express", kf.base, verifier, pickValid, kf.proc.pid!, "application/json; charset=UTF-8"));
    }
    await kf.stop();
    const ceiling = http[0];
    for (const r of http) {
      r.ratio = r.rps / ceiling.rps;
      r.p99Ratio = r.p99 / Math.max(ceiling.p99, 1);
    }
    results.http = http;
    }

    // ---- stacks: a fresh server process, so its peak RSS is that of the stack runs
    if (!PHASES.has("stacks")) return void printTable(results, http, [], 0, null, 0, []);
    kf = await startKeyform(db.url, join(tmp, "keyform-stacks.log"));
    const pid = kf.proc.pid!;
    let peak = 0;
    let stepPeak = 0;
    const sampler = setInterval(() => {
      try {
        const rss = rssOf(pid).rss;
        peak = Math.max(peak, rss);
        stepPeak = Math.max(stepPeak, rss);
      } catch {
        /* exited */
      }
    }, 20);
    const stacks: StackRow[] = [];
    let replanMs = 0;
    let largest: { stack: string; config: unknown } | null = null;
    for (const n of SIZES) {
      const nAccounts = 10;
      const accounts = Array.from({ length: nAccounts }, (_, i) => `s${n}-a${i}`);
      for (const a of accounts) await must(kf.base, "POST", "/v1/accounts", { id: a, key_limit: 10000 });
      const stack = `bench-${n}`;
      const config = stackConfig(stack, n, accounts);
      const plans: Array<{ ms: number; id: string }> = [];
      stepPeak = 0;
      for (let i = 0; i < 3; i++) {
        const r = await must(kf.base, "POST", `/v1/stacks/${stack}/plans`, { config });
        if (r.json.summary.add !== n) throw new Error(`plan of ${n}: ${JSON.stringify(r.json.summary)}`);
        plans.push({ ms: r.ms, id: r.json.id });
      }
      const planRss = stepPeak;
      stepPeak = 0;
      const applied = await must(kf.base, "POST", `/v1/plans/${plans[plans.length - 1].id}/apply`, {});
      if (applied.json.resources.length !== n) throw new Error(`apply of ${n}: ${applied.json.resources.length} resources`);
      const row: StackRow = { keys: n, planMs: median(plans.map((p) => p.ms)), applyMs: applied.ms, planPeakRssMB: Math.round(planRss / 2 ** 20), applyPeakRssMB: Math.round(stepPeak / 2 ** 20) };
      if (n === Math.max(...SIZES)) {
        largest = { stack, config };
        const re: number[] = [];
        stepPeak = 0;
        const cpu0 = cpuSecondsOf(pid);
        const main0 = cpuSecondsOf(pid, pid);
        for (let i = 0; i < 3; i++) {
          const r = await must(kf.base, "POST", `/v1/stacks/${stack}/plans`, { config });
          if (r.json.has_changes) throw new Error(`re-plan of ${n} has changes: ${JSON.stringify(r.json.summary)}`);
          re.push(r.ms);
        }
        row.replanCpuMs = Math.round(((cpuSecondsOf(pid) - cpu0) * 1000) / 3);
        row.replanRequestThreadCpuMs = Math.round(((cpuSecondsOf(pid, pid) - main0) * 1000) / 3);
        row.replanMs = replanMs = median(re);
        row.replanPeakRssMB = Math.round(stepPeak / 2 ** 20);
      }
      stacks.push(row);
      process.stderr.write(`  stack ${n}: plan ${row.planMs.toFixed(0)} ms, apply ${row.applyMs.toFixed(0)} ms${row.replanMs ? `, re-plan ${row.replanMs.toFixed(0)} ms (CPU ${row.replanCpuMs} ms, ${row.replanRequestThreadCpuMs} ms of it on the request thread)` : ""}\n`);
    }
    clearInterval(sampler);
    const mem = rssOf(pid);
    peak = Math.max(peak, mem.hwm);
    // ---- verification on this replica while it evaluates 10,000-key plans (after the RSS measurement)
    let busy: BusyRow | null = null;
    if (PHASES.has("busy") && largest && Math.max(...SIZES) === 10000) {
      busy = await verifyWhilePlanning(kf, verifier, pickValid, largest.stack, largest.config, tmp);
      results.busy = busy;
    }
    await kf.stop();
    const byN = new Map(stacks.map((s) => [s.keys, s]));
    const big = byN.get(10000), mid = byN.get(1000);
    const growth = big && mid ? { plan: big.planMs / mid.planMs, apply: big.applyMs / mid.applyMs } : null;
    results.stacks = { rows: stacks, replan10000Ms: replanMs, growth, peakRssBytes: peak };

    // ---- targets
    const [ceiling, naiveRow, kv] = http;
    const targets = [
      ...(kv ? [
        { target: "verify valid ≥ 0.8 × bare req/s", value: kv.ratio!, limit: 0.8, pass: kv.ratio! >= 0.8 },
        { target: "verify valid p99 ≤ 1.5 × bare p99", value: kv.p99 / ceiling.p99, limit: 1.5, pass: kv.p99 <= 1.5 * ceiling.p99 },
        { target: "verify valid ≥ 1.4 × naive req/s", value: kv.rps / naiveRow.rps, limit: 1.4, pass: kv.rps >= 1.4 * naiveRow.rps },
      ] : []),
      ...(big ? [
        { target: "plan 10,000 keys ≤ 1500 ms", value: big.planMs, limit: 1500, pass: big.planMs <= 1500 },
        { target: "no-change re-plan 10,000 ≤ 1000 ms", value: replanMs, limit: 1000, pass: replanMs <= 1000 },
        { target: "apply 10,000 creates ≤ 10000 ms", value: big.applyMs, limit: 10000, pass: big.applyMs <= 10000 },
      ] : []),
      ...(growth ? [
        { target: "plan growth 10k/1k ≤ 12", value: growth.plan, limit: 12, pass: growth.plan <= 12 },
        { target: "apply growth 10k/1k ≤ 12", value: growth.apply, limit: 12, pass: growth.apply <= 12 },
      ] : []),
      { target: "server peak RSS ≤ 400 MB", value: peak / 2 ** 20, limit: 400, pass: peak <= 400 * 2 ** 20 },
      ...(busy ? [{ target: "verify p99 while planning 10k ≤ 2 × idle", value: busy.p99Ratio, limit: 2, pass: busy.p99Ratio <= 2 && busy.busy.non2xx === 0 && busy.busy.errors === 0 }] : []),
    ];
    results.targets = targets;
    results.machine = {
      cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, kernel: release(),
      database: await dbVersion(),
    };
    results.settings = { connections: CONNECTIONS, durationSeconds: DURATION, warmupSeconds: WARMUP, validKeys: VALID_KEYS, mix: "80% valid, 15% unknown, 5% malformed" };
    results.at = new Date().toISOString();
    results.totalSeconds = Math.round((Date.now() - started) / 1000);

    printTable(results, http, stacks, replanMs, growth, peak, targets, busy);
    writeFileSync(join(ROOT, "bench/results.json"), JSON.stringify(results, null, 2) + "\n");
    process.stdout.write(`\nwrote bench/results.json (${results.totalSeconds} s)\n`);
    // Opt-in gate (CI): exit 3 when a target is missed.
    if (process.env.BENCH_STRICT === "1" && targets.some((t) => !t.pass)) process.exitCode = 3;
  } finally {
    for (const c of children) c.kill("SIGKILL");
    await dropDatabase(db.name);
    if (!process.env.BENCH_KEEP_LOGS) rmSync(tmp, { recursive: true, force: true });
  }
}

async function dbVersion(): Promise<string> {
  const c = await adminConn();
  const [rows] = await c.query("SELECT VERSION() AS v");
  await c.end();
  return String((rows as Array<{ v: string }>)[0].v);
}

function printTable(
  r: Record<string, unknown>, http: HttpRow[], stacks: StackRow[], replanMs: number,
  growth: { plan: number; apply: number } | null, peak: number, targets: Array<{ target: string; value: number; limit: number; pass: boolean }>,
  busy: BusyRow | null = null,
): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  const lines: string[] = [];
  lines.push("", `HTTP verify (${CONNECTIONS} connections, ${DURATION} s each)`);
  lines.push(`${pad("server", 34)}${lpad("req/s", 9)}${lpad("p50 ms", 8)}${lpad("p99 ms", 8)}${lpad("× bare", 8)}${lpad("p99 × bare", 11)}${lpad("errors", 8)}${lpad("non2xx", 8)}${lpad("CPU µs/req", 12)}`);
  for (const h of http) {
    lines.push(`${pad(h.name, 34)}${lpad(h.rps.toFixed(0), 9)}${lpad(String(h.p50), 8)}${lpad(String(h.p99), 8)}${lpad(h.ratio!.toFixed(2), 8)}${lpad(h.p99Ratio!.toFixed(2), 11)}${lpad(String(h.errors), 8)}${lpad(String(h.non2xx), 8)}${lpad(h.cpuUsPerReq!.toFixed(0), 12)}`);
  }
  if (stacks.length === 0) return void process.stdout.write(lines.join("\n") + "\n");
  lines.push("", "Stacks (wall time of the HTTP request, median of 3 plans; one apply)");
  lines.push(`${pad("keys", 8)}${lpad("plan ms", 10)}${lpad("apply ms", 10)}${lpad("re-plan ms", 12)}   peak RSS MB plan/apply/re-plan`);
  for (const s of stacks) {
    lines.push(`${pad(String(s.keys), 8)}${lpad(s.planMs.toFixed(0), 10)}${lpad(s.applyMs.toFixed(0), 10)}${lpad(s.replanMs ? s.replanMs.toFixed(0) : "", 12)}   ${s.planPeakRssMB}/${s.applyPeakRssMB}${s.replanPeakRssMB ? "/" + s.replanPeakRssMB : ""}`);
  }
  for (const s of stacks) {
    if (s.replanCpuMs !== undefined) lines.push(`re-plan of ${s.keys}: ${s.replanCpuMs} ms CPU per plan, ${s.replanRequestThreadCpuMs} ms of it on the request thread`);
  }
  if (growth) lines.push(`growth 10,000/1,000: plan ${growth.plan.toFixed(2)}, apply ${growth.apply.toFixed(2)}`);
  lines.push(`server peak RSS during stack runs: ${(peak / 2 ** 20).toFixed(0)} MB`);
  if (busy) {
    lines.push("", `Verify at ${busy.rate} req/s (${BUSY_CONNECTIONS} connections, ${DURATION} s) on the stacks replica`);
    lines.push(`${pad("", 30)}${lpad("p50 ms", 8)}${lpad("p99 ms", 8)}${lpad("max ms", 8)}${lpad("requests", 10)}${lpad("errors", 8)}${lpad("non2xx", 8)}   request thread: CPU ms, loop delay p99/max ms`);
    for (const [name, x] of [["idle", busy.idle], ["while planning 10,000 keys", busy.busy]] as const) {
      lines.push(`${pad(name, 30)}${lpad(String(x.p50), 8)}${lpad(String(x.p99), 8)}${lpad(String(x.max), 8)}${lpad(String(x.total), 10)}${lpad(String(x.errors), 8)}${lpad(String(x.non2xx), 8)}   ${x.cpuMs}, ${x.loopDelayP99Ms}/${x.loopDelayMaxMs}`);
    }
    lines.push(`${busy.plans} plans of 10,000 keys completed meanwhile (${JSON.stringify(busy.planStatuses)}), median ${busy.planMedianMs} ms`);
  }
  lines.push("", "Targets");
  for (const t of targets) lines.push(`${t.pass ? "PASS" : "FAIL"}  ${pad(t.target, 40)} ${t.value.toFixed(2)} (limit ${t.limit})`);
  const m = r.machine as Record<string, unknown>;
  if (m) lines.push("", `machine: ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, node ${m.node}, ${m.database}`);
  process.stdout.write(lines.join("\n") + "\n");
}

process.on("SIGINT", () => {
  for (const c of children) c.kill("SIGKILL");
  process.exit(130);
});

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  for (const c of children) c.kill("SIGKILL");
  process.exit(1);
});
