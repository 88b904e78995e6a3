/**
 * Phase `busy`: verify latency on a replica while it evaluates 10,000-key plans, against the same load
 * on the same replica idle (issue: a plan being evaluated — hostile or just large — must not delay
 * `/v1/verify`; target p99 while planning ≤ 2 × idle p99).
 *
 * The verify load is steady (`BENCH_BUSY_RATE` req/s over `BENCH_BUSY_CONNECTIONS` connections): latency
 * at a rate the replica can serve, not its ceiling. The plans come back to back from a separate process
 * (`plan-loop.js`, at nice 10: it stands for a machine elsewhere, and receiving ~24 MB per plan is real
 * work that must not run on the load generator's event loop). Idle and planning windows alternate (idle,
 * planning, idle, planning; `BENCH_DURATION` / 2 seconds each) so both see the same background load of a
 * shared machine; each side's figures are the mean of its two windows (CPU and requests: the sum).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { setPriority } from "node:os";
import { join } from "node:path";
import {
  ADMIN, children, cpuSecondsOf, createDatabase, cycle, DIST, DURATION, median, must, seedVerifyKeys, startKeyform, steadyLoad, WARMUP,
  type Child, type SteadyRow, type Target,
} from "./lib";
import { stackConfig } from "./stacks";

const BUSY_RATE = Number(process.env.BENCH_BUSY_RATE ?? 1000);
const BUSY_CONNECTIONS = Number(process.env.BENCH_BUSY_CONNECTIONS ?? 8);
const BUSY_KEYS = 10_000;

/** What the request thread did during a window: its CPU time and its event-loop delay (p99, max). */
interface ThreadRow {
  cpuMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}
type Window = SteadyRow & ThreadRow;

export interface BusyResult {
  rate: number;
  connections: number;
  idle: Window;
  busy: Window;
  p99Ratio: number;
  plans: number;
  planStatuses: Record<string, number>;
  planMedianMs: number;
}

/**
 * The request thread's event-loop delay since the previous scrape (keyform's process metrics: prom-client
 * resets its event-loop histogram at each scrape).
 */
async function loopDelay(base: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  const read = (name: string) => Number(new RegExp(`^keyform_process_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m").exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read("p99"), max: read("max") };
}

/** `steadyLoad`, with the request thread's CPU time and event-loop delay over the same window. */
async function measuredLoad(kf: Child, token: string, pick: () => string, duration: number): Promise<Window> {
  const pid = kf.proc.pid!;
  await loopDelay(kf.base);
  const cpu0 = cpuSecondsOf(pid, pid); // the main thread's id is the process id
  const row = await steadyLoad(kf.base, token, pick, duration, BUSY_RATE, BUSY_CONNECTIONS);
  const cpuMs = Math.round((cpuSecondsOf(pid, pid) - cpu0) * 1000);
  const delay = await loopDelay(kf.base);
  return { ...row, cpuMs, loopDelayP99Ms: Math.round(delay.p99 * 10) / 10, loopDelayMaxMs: Math.round(delay.max * 10) / 10 };
}

function merge(rows: Window[]): Window {
  const mean = (f: (r: Window) => number) => Math.round((rows.reduce((a, r) => a + f(r), 0) / rows.length) * 100) / 100;
  const sum = (f: (r: Window) => number) => rows.reduce((a, r) => a + f(r), 0);
  return {
    p50: mean((r) => r.p50), p99: mean((r) => r.p99), max: Math.max(...rows.map((r) => r.max)), total: sum((r) => r.total), errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx), cpuMs: sum((r) => r.cpuMs), loopDelayP99Ms: mean((r) => r.loopDelayP99Ms), loopDelayMaxMs: Math.max(...rows.map((r) => r.loopDelayMaxMs)),
  };
}

export async function busyPhase(tmp: string): Promise<{ result: BusyResult; targets: Target[]; lines: string[] }> {
  const db = await createDatabase();
  let kf: Child | null = null;
  try {
    kf = await startKeyform(db.url, join(tmp, "keyform-busy.log"));
    const { verifier, valid } = await seedVerifyKeys(kf.base);
    const pick = cycle(valid);
    const accounts = Array.from({ length: 10 }, (_, i) => `busy-a${i}`);
    for (const a of accounts) await must(kf.base, "POST", "/v1/accounts", { id: a, key_limit: BUSY_KEYS });
    const stack = "bench-busy";
    const bodyFile = join(tmp, "busy-plan.json");
    writeFileSync(bodyFile, JSON.stringify({ config: stackConfig(stack, BUSY_KEYS, accounts) }));

    await steadyLoad(kf.base, verifier, pick, WARMUP || 1, BUSY_RATE, BUSY_CONNECTIONS);
    const window = Math.max(1, Math.round(DURATION / 2));
    const idle: Window[] = [];
    const busy: Window[] = [];
    const loops: Array<{ plans: number; statuses: Record<string, number>; ms: number[] }> = [];
    for (let round = 0; round < 2; round++) {
      idle.push(await measuredLoad(kf, verifier, pick, window));
      const loop = spawn(process.execPath, [join(DIST, "bench/plan-loop.js"), kf.base, ADMIN, stack, bodyFile, String(window + 30)], { stdio: ["ignore", "pipe", "inherit"] });
      children.add(loop);
      try {
        setPriority(loop.pid!, 10);
      } catch {
        /* not permitted: measured as it is */
      }
      let out = "";
      loop.stdout!.on("data", (d) => (out += d));
      const exited = new Promise<void>((res) => loop.once("exit", () => res()));
      await new Promise((r) => setTimeout(r, 300)); // the first plan is under way
      busy.push(await measuredLoad(kf, verifier, pick, window));
      loop.kill("SIGTERM");
      await exited; // the plan in flight finishes first: the next idle window starts idle
      children.delete(loop);
      loops.push(JSON.parse(out.trim().split("\n").pop() || "{}"));
    }
    const i = merge(idle);
    const b = merge(busy);
    const planStatuses: Record<string, number> = {};
    for (const l of loops) for (const [k, n] of Object.entries(l.statuses ?? {})) planStatuses[k] = (planStatuses[k] ?? 0) + n;
    const result: BusyResult = {
      rate: BUSY_RATE, connections: BUSY_CONNECTIONS, idle: i, busy: b, p99Ratio: b.p99 / Math.max(i.p99, 0.01),
      plans: loops.reduce((a, l) => a + (l.plans ?? 0), 0), planStatuses, planMedianMs: median(loops.flatMap((l) => l.ms ?? [])) ?? 0,
    };
    process.stderr.write(
      `  verify at ${BUSY_RATE} req/s: p99 idle ${i.p99} ms, while planning ${b.p99} ms (${result.plans} plans of ${BUSY_KEYS} keys, median ${result.planMedianMs} ms); ` +
        `request thread CPU ${i.cpuMs} / ${b.cpuMs} ms, event-loop delay max ${i.loopDelayMaxMs} / ${b.loopDelayMaxMs} ms\n`,
    );
    const plansOk = result.plans > 0 && Object.keys(planStatuses).every((s) => s === "201");
    const targets: Target[] = [
      {
        target: "verify p99 while planning 10k ≤ 2 × idle", value: result.p99Ratio, limit: 2,
        pass: result.p99Ratio <= 2 && b.errors === 0 && b.non2xx === 0 && plansOk,
      },
    ];
    const pad = (s: string, n: number) => s.padEnd(n);
    const lpad = (s: string, n: number) => s.padStart(n);
    const lines = [
      `Verify at ${BUSY_RATE} req/s (${BUSY_CONNECTIONS} connections, 2 × ${window} s per side) on one replica, idle and while it plans ${BUSY_KEYS} keys back to back`,
      `${pad("", 30)}${lpad("p50 ms", 8)}${lpad("p99 ms", 8)}${lpad("max ms", 8)}${lpad("requests", 10)}${lpad("errors", 8)}${lpad("non2xx", 8)}   request thread: CPU ms, loop delay p99/max ms`,
      ...([["idle", i], [`while planning ${BUSY_KEYS} keys`, b]] as const).map(
        ([name, x]) => `${pad(name, 30)}${lpad(String(x.p50), 8)}${lpad(String(x.p99), 8)}${lpad(String(x.max), 8)}${lpad(String(x.total), 10)}${lpad(String(x.errors), 8)}${lpad(String(x.non2xx), 8)}   ${x.cpuMs}, ${x.loopDelayP99Ms}/${x.loopDelayMaxMs}`,
      ),
      `${result.plans} plans completed meanwhile (${JSON.stringify(planStatuses)}), median ${result.planMedianMs} ms`,
    ];
    return { result, targets, lines };
  } finally {
    if (kf) await kf.stop();
    await db.drop();
  }
}
