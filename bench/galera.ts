/**
 * Phase `galera`: three keyform replicas on one MariaDB vs one replica on each node of the project's
 * 3-node Galera cluster (test/galera/cluster.sh; started here when it is not running, and stopped again
 * afterwards): verify throughput and p99 spread over the replicas (both deployments up at once, loaded
 * in alternating rounds, best round of each), and plan/apply of 10,000 keys.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { api, createDatabase, cycle, must, MYSQL_BASE, ROOT, scenario, seedVerifyKeys, serverVersion, startKeyform, unknownKey, bestOf, type Child, type HttpRow, type Target } from "./lib";
import { stackConfig } from "./stacks";

const run = promisify(execFile);
const SCRIPT = join(ROOT, "test/galera/cluster.sh");
const STACK_KEYS = Number(process.env.BENCH_GALERA_STACK_KEYS ?? 10_000);

async function cluster(...args: string[]): Promise<string> {
  return (await run("bash", [SCRIPT, ...args], { timeout: 300_000 })).stdout;
}

/** Starts the cluster unless 3 nodes are Synced already; true when this run started it. */
async function ensureCluster(): Promise<boolean> {
  try {
    await cluster("status");
    return false;
  } catch {
    process.stderr.write("galera: starting the test cluster (test/galera/cluster.sh up)\n");
    await cluster("up");
    return true;
  }
}

const ROUNDS = Number(process.env.BENCH_GALERA_ROUNDS ?? 2);

export interface GaleraSetting {
  label: string;
  valid: HttpRow;
  unknown: HttpRow;
  planMs: number;
  applyMs: number;
}

interface Deployment {
  label: string;
  db: Awaited<ReturnType<typeof createDatabase>>;
  replicas: Child[];
  verifier: string;
  valid: string[];
  rounds: Array<{ valid: HttpRow; unknown: HttpRow }>;
}

/** Three replicas on `servers` (one each), started together as a deployment would be, and seeded. */
async function deploy(label: string, servers: string[], tmp: string): Promise<Deployment> {
  const db = await createDatabase(servers[0]);
  // Their migrations take turns on the lease row.
  const started = await Promise.allSettled(servers.map((s, i) => startKeyform(db.on(s), join(tmp, `galera-${label.replace(/\W+/g, "-")}-${i}.log`))));
  const replicas = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    for (const r of replicas) await r.stop();
    await db.drop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const { verifier, valid } = await seedVerifyKeys(replicas[0].base);
  return { label, db, replicas, verifier, valid, rounds: [] };
}

async function loadRound(d: Deployment): Promise<void> {
  const bases = d.replicas.map((r) => r.base);
  const pids = d.replicas.map((r) => r.proc.pid!);
  d.rounds.push({
    valid: await scenario(`${d.label}: verify valid`, bases, d.verifier, cycle(d.valid), pids),
    unknown: await scenario(`${d.label}: verify unknown`, bases, d.verifier, unknownKey, pids),
  });
}

/** A plan of STACK_KEYS keys through one replica and its apply through another (another node on the cluster). */
async function planApply(d: Deployment): Promise<{ planMs: number; applyMs: number }> {
  const [a, b] = d.replicas.map((r) => r.base);
  const accounts = Array.from({ length: 10 }, (_, i) => `g-a${i}`);
  for (const id of accounts) await must(a, "POST", "/v1/accounts", { id, key_limit: 10_000 });
  const plan = await must(a, "POST", "/v1/stacks/galera-bench/plans", { config: stackConfig("galera-bench", STACK_KEYS, accounts) });
  if (plan.json.summary.add !== STACK_KEYS) throw new Error(`plan of ${STACK_KEYS}: ${JSON.stringify(plan.json.summary)}`);
  const applied = await api(b, "POST", `/v1/plans/${plan.json.id}/apply`, {});
  if (applied.status !== 200 || applied.json.resources.length !== STACK_KEYS) throw new Error(`apply of ${STACK_KEYS}: ${applied.status} ${JSON.stringify(applied.json).slice(0, 300)}`);
  process.stderr.write(`  ${d.label}: plan ${plan.ms.toFixed(0)} ms, apply ${applied.ms.toFixed(0)} ms (${STACK_KEYS} keys)\n`);
  return { planMs: plan.ms, applyMs: applied.ms };
}

export async function galeraPhase(tmp: string) {
  const started = await ensureCluster();
  const deployments: Deployment[] = [];
  try {
    const nodes = (await cluster("urls")).trim().split("\n");
    process.stderr.write(`galera: 3 replicas on one MariaDB vs one replica per node of a 3-node cluster, ${ROUNDS} alternating rounds\n`);
    deployments.push(await deploy("one MariaDB", [MYSQL_BASE, MYSQL_BASE, MYSQL_BASE], tmp));
    deployments.push(await deploy("Galera 3 nodes", nodes, tmp));
    for (let i = 0; i < ROUNDS; i++) for (const d of deployments) await loadRound(d);
    const settings: GaleraSetting[] = [];
    for (const d of deployments) {
      settings.push({ label: d.label, valid: bestOf(d.rounds.map((r) => r.valid)), unknown: bestOf(d.rounds.map((r) => r.unknown)), ...(await planApply(d)) });
    }
    const [single, galera] = settings;
    for (const s of settings) {
      for (const kind of ["valid", "unknown"] as const) {
        s[kind].ratio = s[kind].rps / single[kind].rps;
        s[kind].p99Ratio = s[kind].p99 / Math.max(single[kind].p99, 0.01);
      }
    }
    const targets: Target[] = [
      { target: `galera: plan ${STACK_KEYS} keys ≤ 1500 ms`, value: galera.planMs, limit: 1500, pass: galera.planMs <= 1500 },
      { target: `galera: apply ${STACK_KEYS} creates ≤ 10000 ms`, value: galera.applyMs, limit: 10000, pass: galera.applyMs <= 10000 },
    ];
    return {
      results: { single, galera, rounds: deployments.map((d) => ({ label: d.label, rounds: d.rounds })), cluster: await serverVersion(nodes[0]), stackKeys: STACK_KEYS },
      rows: [single.valid, galera.valid, single.unknown, galera.unknown],
      stacks: settings.map((s) => ({ label: s.label, planMs: s.planMs, applyMs: s.applyMs })),
      targets,
    };
  } finally {
    for (const d of deployments) {
      for (const r of d.replicas) await r.stop();
      await d.db.drop();
    }
    if (started) await cluster("down").catch(() => undefined);
  }
}
