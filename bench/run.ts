/**
 * keyform benchmark: printed as tables and written to bench/results.json (the phases run replace their
 * own entries; the others are kept from earlier runs).
 *
 *   npm run bench                                   (builds, then runs dist/bench/run.js: every phase)
 *   BENCH_PHASES=galera,store-size npm run bench    (some phases only)
 *
 * Phases: `http` (verify hot path vs bare Express and a naive verifier), `stacks` (plan/apply up to
 * 10,000 keys), `busy` (verify p99 on a replica while it plans 10,000 keys vs idle; bench/busy.ts,
 * BENCH_BUSY_RATE / BENCH_BUSY_CONNECTIONS set its steady load), `galera` (replicas on a 3-node Galera cluster vs one MariaDB; bench/galera.ts),
 * `store-size` (verify with 1,000 vs 1,000,000 keys in the store; bench/store-size.ts).
 *
 * Environment: KEYFORM_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306), BENCH_DURATION (seconds per
 * HTTP scenario, default 10), BENCH_WARMUP (default 3), BENCH_CONNECTIONS (default 32), BENCH_SIZES
 * (default 100,1000,10000), BENCH_STRICT=1 (exit 3 when a target is missed). Profiling helpers:
 * BENCH_ONLY_VALID=1, BENCH_KEYFORM_NODE_FLAGS="--cpu-prof --cpu-prof-dir=…" (neither writes
 * results.json), BENCH_KEEP_LOGS=1 (keeps the servers' logs in a temporary directory).
 *
 * Every server runs in its own child process; autocannon runs here, in the parent, so the load generator
 * and the server under test never share an event loop. Everything binds to 127.0.0.1 and is bounded by
 * a duration or a request count. Private databases are created for a phase and dropped after it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { busyPhase } from "./busy";
import { galeraPhase } from "./galera";
import { httpPhase } from "./http";
import { children, CONNECTIONS, createDatabase, DURATION, httpTable, ROOT, serverVersion, targetLines, VALID_KEYS, WARMUP, type Target } from "./lib";
import { stacksPhase } from "./stacks";
import { storeSizePhase } from "./store-size";

const ALL_PHASES = ["http", "stacks", "busy", "galera", "store-size"];
const PHASES = (process.env.BENCH_PHASES ?? ALL_PHASES.join(",")).split(",").map((p) => p.trim());
const PROFILING = !!(process.env.BENCH_ONLY_VALID || process.env.BENCH_KEYFORM_NODE_FLAGS);

type Results = Record<string, unknown> & { targets?: Array<Target & { phase: string }> };

async function main(): Promise<void> {
  const unknown = PHASES.filter((p) => !ALL_PHASES.includes(p));
  if (unknown.length) throw new Error(`unknown BENCH_PHASES ${unknown.join(", ")} (phases: ${ALL_PHASES.join(", ")})`);
  const started = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), "keyform-bench-"));
  process.stderr.write(`phases ${PHASES.join(", ")}; logs in ${tmp}\n`);
  const resultsFile = join(ROOT, "bench/results.json");
  const results: Results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : {};
  const targets: Array<Target & { phase: string }> = [];
  const lines: string[] = [];
  const add = (phase: string, ts: Target[]) => targets.push(...ts.map((t) => ({ ...t, phase })));
  try {
    if (PHASES.includes("http") || PHASES.includes("stacks")) {
      const db = await createDatabase();
      try {
        if (PHASES.includes("http")) {
          process.stderr.write(`HTTP: ${CONNECTIONS} connections, ${WARMUP}s warm-up + ${DURATION}s per scenario\n`);
          const http = await httpPhase(db, tmp);
          results.http = http.rows;
          add("http", http.targets);
          lines.push("", `HTTP verify (${CONNECTIONS} connections, ${DURATION} s each)`, ...httpTable(http.rows));
        }
        if (PHASES.includes("stacks")) {
          const s = await stacksPhase(db, tmp);
          results.stacks = { rows: s.rows, replan10000Ms: s.replan10000Ms, growth: s.growth, peakRssBytes: s.peakRssBytes };
          add("stacks", s.targets);
          lines.push("", "Stacks (wall time of the HTTP request, median of 3 plans; one apply)");
          lines.push(`${"keys".padEnd(8)}${"plan ms".padStart(10)}${"apply ms".padStart(10)}${"re-plan ms".padStart(12)}   peak RSS MB plan/apply/re-plan`);
          for (const r of s.rows) {
            lines.push(`${String(r.keys).padEnd(8)}${r.planMs.toFixed(0).padStart(10)}${r.applyMs.toFixed(0).padStart(10)}${(r.replanMs ? r.replanMs.toFixed(0) : "").padStart(12)}   ${r.planPeakRssMB}/${r.applyPeakRssMB}${r.replanPeakRssMB ? "/" + r.replanPeakRssMB : ""}`);
          }
          if (s.growth) lines.push(`growth 10,000/1,000: plan ${s.growth.plan.toFixed(2)}, apply ${s.growth.apply.toFixed(2)}`);
          lines.push(`server peak RSS during stack runs: ${(s.peakRssBytes / 2 ** 20).toFixed(0)} MB`);
        }
      } finally {
        await db.drop();
      }
    }
    // These two need more than the MySQL server (a cluster; minutes of bulk inserts): a failure is
    // reported and the other phases' figures are still written.
    const guarded = async (phase: string, run: () => Promise<void>) => {
      if (!PHASES.includes(phase)) return;
      try {
        await run();
      } catch (err) {
        process.stderr.write(`phase ${phase} failed: ${(err as Error).stack ?? err}\n`);
        lines.push("", `phase ${phase} FAILED: ${(err as Error).message}`);
        add(phase, [{ target: `phase ${phase} completes`, value: 0, limit: 1, pass: false }]);
        process.exitCode = 1;
      }
    };
    await guarded("busy", async () => {
      const z = await busyPhase(tmp);
      results.busy = z.result;
      add("busy", z.targets);
      lines.push("", ...z.lines);
    });
    await guarded("galera", async () => {
      const g = await galeraPhase(tmp);
      results.galera = g.results;
      add("galera", g.targets);
      lines.push("", `Galera: 3 replicas on one MariaDB vs one replica per node of a 3-node cluster (${CONNECTIONS} connections spread over the replicas)`);
      lines.push(...httpTable(g.rows, "one"));
      for (const s of g.stacks) lines.push(`${s.label}: plan ${g.results.stackKeys} keys ${s.planMs.toFixed(0)} ms, apply ${s.applyMs.toFixed(0)} ms`);
    });
    await guarded("store-size", async () => {
      const z = await storeSizePhase(tmp);
      results.storeSize = z.results;
      add("store-size", z.targets);
      lines.push("", "Store size: verify with 1,000 vs 1,000,000 keys in the store (one keyform process)", ...httpTable(z.rows, "1k"));
    });

    // Targets of the phases run now replace theirs; the other phases' stay as last measured.
    results.targets = [...(results.targets ?? []).filter((t) => !PHASES.includes(t.phase ?? "")), ...targets];
    results.machine = {
      cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, kernel: release(), database: await serverVersion(),
    };
    results.settings = { connections: CONNECTIONS, durationSeconds: DURATION, warmupSeconds: WARMUP, validKeys: VALID_KEYS, mix: "80% valid, 15% unknown, 5% malformed" };
    results.at = new Date().toISOString();
    results.phasesRun = PHASES;
    results.totalSeconds = Math.round((Date.now() - started) / 1000);

    lines.push("", "Targets", ...targetLines(targets));
    const m = results.machine as Record<string, unknown>;
    lines.push("", `machine: ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, node ${m.node}, ${m.database}`);
    process.stdout.write(lines.join("\n") + "\n");
    if (!PROFILING) {
      writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n");
      process.stdout.write(`\nwrote bench/results.json (${results.totalSeconds} s)\n`);
    }
    // Opt-in gate (CI): exit 3 when a target is missed.
    if (process.env.BENCH_STRICT === "1" && targets.some((t) => !t.pass)) process.exitCode = 3;
  } finally {
    for (const c of children) c.kill("SIGKILL");
    if (!process.env.BENCH_KEEP_LOGS) rmSync(tmp, { recursive: true, force: true });
  }
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
