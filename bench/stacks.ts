/**
 * Phase `stacks`: plan and apply of stacks of `BENCH_SIZES` keys over 10 accounts through one keyform
 * process (a fresh one, so its peak RSS is that of the stack runs), and a no-change re-plan of the largest.
 */
import { join } from "node:path";
import { median, must, rssOf, startKeyform, type BenchDatabase, type Target } from "./lib";

const SIZES = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);

export function stackConfig(stack: string, n: number, accounts: string[]): Record<string, unknown> {
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

export interface StackRow {
  keys: number;
  planMs: number;
  applyMs: number;
  replanMs?: number;
  /** Highest RSS sampled (every 20 ms) during that step. */
  planPeakRssMB?: number;
  applyPeakRssMB?: number;
  replanPeakRssMB?: number;
}

export async function stacksPhase(db: BenchDatabase, tmp: string) {
  const kf = await startKeyform(db.url, join(tmp, "keyform-stacks.log"));
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
  try {
    for (const n of SIZES) {
      const accounts = Array.from({ length: 10 }, (_, i) => `s${n}-a${i}`);
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
        const re: number[] = [];
        stepPeak = 0;
        for (let i = 0; i < 3; i++) {
          const r = await must(kf.base, "POST", `/v1/stacks/${stack}/plans`, { config });
          if (r.json.has_changes) throw new Error(`re-plan of ${n} has changes: ${JSON.stringify(r.json.summary)}`);
          re.push(r.ms);
        }
        row.replanMs = replanMs = median(re);
        row.replanPeakRssMB = Math.round(stepPeak / 2 ** 20);
      }
      stacks.push(row);
      process.stderr.write(`  stack ${n}: plan ${row.planMs.toFixed(0)} ms, apply ${row.applyMs.toFixed(0)} ms${row.replanMs ? `, re-plan ${row.replanMs.toFixed(0)} ms` : ""}\n`);
    }
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rssOf(pid).hwm);
  await kf.stop();
  const byN = new Map(stacks.map((s) => [s.keys, s]));
  const big = byN.get(10000), mid = byN.get(1000);
  const growth = big && mid ? { plan: big.planMs / mid.planMs, apply: big.applyMs / mid.applyMs } : null;
  const targets: Target[] = [
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
  ];
  return { rows: stacks, replan10000Ms: replanMs, growth, peakRssBytes: peak, targets };
}
