/** What every bench phase shares: databases, server processes, load generation, process probes. */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import mysql from "mysql2/promise";
import { checksum, randomBase62 } from "../core/keys/secret-format";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (opts: Record<string, unknown>) => Promise<AutocannonResult> & {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

export const ROOT = resolve(__dirname, "..", "..");
export const DIST = resolve(__dirname, "..");
export const MYSQL_BASE = process.env.KEYFORM_BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
export const DURATION = Number(process.env.BENCH_DURATION ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
export const ADMIN = `bench-admin-${randomBase62(24)}`;
export const VALID_KEYS = 200;
/** For profiling: extra node flags for the keyform process only. */
const KEYFORM_NODE_FLAGS = (process.env.BENCH_KEYFORM_NODE_FLAGS ?? "").split(" ").filter(Boolean);

export async function freePort(): Promise<number> {
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

export async function adminConn(base = MYSQL_BASE) {
  const u = new URL(base);
  return mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || "root", password: decodeURIComponent(u.password) });
}

export interface BenchDatabase {
  name: string;
  /** `base` with the database's path. */
  url: string;
  /** The same database through another server of the same cluster (`base` → `other`). */
  on(other: string): string;
  drop(): Promise<void>;
}

/** A private database `kf_bench_<random>` on `base`, dropped by `drop()`. */
export async function createDatabase(base = MYSQL_BASE): Promise<BenchDatabase> {
  const name = `kf_bench_${randomBytes(6).toString("hex")}`;
  const c = await adminConn(base);
  await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await c.end();
  const on = (server: string) => {
    const u = new URL(server);
    u.pathname = `/${name}`;
    return u.toString();
  };
  return {
    name, url: on(base), on,
    drop: async () => {
      const d = await adminConn(base);
      await d.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await d.end();
    },
  };
}

export async function serverVersion(base = MYSQL_BASE): Promise<string> {
  const c = await adminConn(base);
  const [rows] = await c.query("SELECT VERSION() AS v");
  await c.end();
  return String((rows as Array<{ v: string }>)[0].v);
}

export interface Child {
  proc: ChildProcess;
  port: number;
  base: string;
  stop(): Promise<void>;
}

/** Every process started; killed if the bench fails or is interrupted. */
export const children = new Set<ChildProcess>();

export async function startChild(label: string, args: string[], env: Record<string, string>, logFile: string, probe: string): Promise<Child> {
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
  return { proc, port, base, stop: () => stopChild(proc, 10_000) };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopChild(proc: ChildProcess, graceMs: number): Promise<void> {
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

/** `keyform serve` on `dbUrl`, exactly as in production; resolves once `/readyz` answers 200. */
export async function startKeyform(dbUrl: string, logFile: string, env: Record<string, string> = {}): Promise<Child> {
  const port = await freePort();
  const out = openSync(logFile, "a");
  const proc = spawn(process.execPath, [...KEYFORM_NODE_FLAGS, join(DIST, "server/cli/main.js"), "serve", "--port", String(port), "--host", "127.0.0.1", "--database-url", dbUrl], {
    cwd: ROOT, env: { ...process.env, KEYFORM_ADMIN_TOKEN: ADMIN, KEYFORM_LOG_LEVEL: "info", ...env }, stdio: ["ignore", out, out],
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
  return { proc, port, base, stop: () => stopChild(proc, 30_000) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api(base: string, method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; json: any; ms: number }> {
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

export async function must(base: string, method: string, path: string, body?: unknown, expect = [200, 201, 204]) {
  const r = await api(base, method, path, body);
  if (!expect.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json).slice(0, 500)}`);
  return r;
}

/** A well-formed key (right shape and checksum) that no database holds. */
export function unknownKey(): string {
  const body = `kf_live_${randomBase62(30)}`;
  return body + checksum(body);
}

/** An account `bench` with a verifier key (`keys:verify`) and `VALID_KEYS` live keys, made through keyform's API. */
export async function seedVerifyKeys(base: string): Promise<{ verifier: string; valid: string[] }> {
  await must(base, "POST", "/v1/accounts", { id: "bench", key_limit: 1000 });
  const verifier = (await must(base, "POST", "/v1/accounts/bench/keys", { name: "verifier", scopes: ["keys:verify"] })).json.secret as string;
  const valid: string[] = [];
  for (let i = 0; i < VALID_KEYS; i++) valid.push((await must(base, "POST", "/v1/accounts/bench/keys", { name: `user-${i}`, scopes: ["alerts:send"] })).json.secret);
  const check = await api(base, "POST", "/v1/verify", { key: valid[0] }, verifier);
  if (check.json?.code !== "VALID") throw new Error(`seeded key does not verify: ${JSON.stringify(check.json)}`);
  return { verifier, valid };
}

/** Round-robin pickers over a list. */
export function cycle(xs: string[]): () => string {
  let i = 0;
  return () => xs[i++ % xs.length];
}

/** CPU seconds (user + system) a process — or one of its threads, `tid` — has used so far. */
export function cpuSecondsOf(pid: number, tid?: number): number {
  const f = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

export function rssOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? 0);
  return { rss: kb("VmRSS") * 1024, hwm: kb("VmHWM") * 1024 };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface HttpRow {
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

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export interface SteadyRow {
  p50: number;
  p99: number;
  max: number;
  total: number;
  errors: number;
  non2xx: number;
}

/**
 * A `POST /v1/verify` load on one server or several (autocannon spreads its connections over them round
 * robin): as fast as it goes, or at a steady `rate` (requests per second over all connections: latency at
 * a rate the server can serve, not its ceiling). Latency percentiles come from each response's own time
 * (float ms), not autocannon's histogram, which rounds to whole milliseconds: too coarse to compare p99s
 * of a few ms.
 */
async function verifyLoad(
  urls: string[], token: string, pick: () => string, duration: number, opts: { contentType?: string; connections?: number; rate?: number } = {},
): Promise<SteadyRow & { rps: number }> {
  const times: number[] = [];
  const instance = autocannon({
    url: urls.map((u) => u + "/v1/verify"),
    method: "POST",
    connections: opts.connections ?? CONNECTIONS,
    ...(opts.rate ? { overallRate: opts.rate } : { pipelining: 1 }),
    duration,
    headers: { "content-type": opts.contentType ?? "application/json", authorization: `Bearer ${token}` },
    requests: [{ method: "POST", setupRequest: (req: Record<string, unknown>) => ({ ...req, body: `{"key":"${pick()}"}` }) }],
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const r = await instance;
  times.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    rps: r.requests.average, p50: round(percentile(times, 50)), p99: round(percentile(times, 99)), max: round(times[times.length - 1] ?? 0),
    total: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx,
  };
}

async function load(name: string, urls: string[], token: string, pick: () => string, duration: number, contentType: string): Promise<HttpRow> {
  const { rps, p50, p99, errors, non2xx, total } = await verifyLoad(urls, token, pick, duration, { contentType });
  return { name, rps, p50, p99, errors, non2xx, total };
}

/** A steady `POST /v1/verify` load on one server: `rate` requests per second over `connections` connections. */
export async function steadyLoad(url: string, token: string, pick: () => string, duration: number, rate: number, connections: number): Promise<SteadyRow> {
  const { rps: _rps, ...row } = await verifyLoad([url], token, pick, duration, { rate, connections });
  return row;
}

/**
 * Warm-up, then a measured `POST /v1/verify` load. `pids`: the server processes whose CPU time is
 * charged to the requests. `contentType`: `application/json` takes keyform's fast lane; any other
 * JSON type goes through Express.
 */
export async function scenario(name: string, urls: string | string[], token: string, pick: () => string, pids: number | number[], contentType = "application/json"): Promise<HttpRow> {
  const targets = Array.isArray(urls) ? urls : [urls];
  const procs = Array.isArray(pids) ? pids : [pids];
  const cpu = () => procs.reduce((sum, p) => sum + cpuSecondsOf(p), 0);
  if (WARMUP > 0) await load(name, targets, token, pick, WARMUP, contentType);
  const cpu0 = cpu();
  const row = await load(name, targets, token, pick, DURATION, contentType);
  row.cpuUsPerReq = ((cpu() - cpu0) * 1e6) / Math.max(1, row.total);
  process.stderr.write(`  ${name}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.cpuUsPerReq.toFixed(0)} µs CPU/req\n`);
  return row;
}

/**
 * The best of several runs of one scenario: the highest throughput and the lowest p50/p99 (each on its
 * own) — on a shared machine a worse run measures the other load, not the server.
 */
export function bestOf(rows: HttpRow[]): HttpRow {
  const top = rows.reduce((x, y) => (y.rps > x.rps ? y : x));
  return { ...top, p50: Math.min(...rows.map((r) => r.p50)), p99: Math.min(...rows.map((r) => r.p99)), errors: rows.reduce((n, r) => n + r.errors, 0), non2xx: rows.reduce((n, r) => n + r.non2xx, 0) };
}

export interface Target {
  target: string;
  value: number;
  limit: number;
  pass: boolean;
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** A table of HTTP rows, relative to `ref` (the first row when omitted). */
export function httpTable(rows: HttpRow[], refLabel = "bare"): string[] {
  const lines = [`${pad("server", 52)}${lpad("req/s", 9)}${lpad("p50 ms", 8)}${lpad("p99 ms", 8)}${lpad(`× ${refLabel}`, 10)}${lpad(`p99 × ${refLabel}`, 13)}${lpad("errors", 8)}${lpad("non2xx", 8)}${lpad("CPU µs/req", 12)}`];
  for (const h of rows) {
    lines.push(
      `${pad(h.name, 52)}${lpad(h.rps.toFixed(0), 9)}${lpad(String(h.p50), 8)}${lpad(String(h.p99), 8)}${lpad(h.ratio?.toFixed(2) ?? "", 10)}${lpad(h.p99Ratio?.toFixed(2) ?? "", 13)}` +
        `${lpad(String(h.errors), 8)}${lpad(String(h.non2xx), 8)}${lpad(h.cpuUsPerReq!.toFixed(0), 12)}`,
    );
  }
  return lines;
}

export function targetLines(targets: Target[]): string[] {
  return targets.map((t) => `${t.pass ? "PASS" : "FAIL"}  ${pad(t.target, 52)} ${t.value.toFixed(2)} (limit ${t.limit})`);
}
