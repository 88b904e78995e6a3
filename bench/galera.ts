/**
 * Phase `galera`: three keyform replicas on one MariaDB vs one replica on each node of the project's
 * 3-node Galera cluster (test/galera/cluster.sh; started here when it is not running, and stopped again
 * afterwards): verify throughput and p99 spread over the replicas, and plan/apply of 10,000 keys.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { api, createDatabase, cycle, must, MYSQL_BASE, ROOT, scenario, seedVerifyKeys, serverVersion, startKeyform, unknownKey, type HttpRow, type Target } from "./lib";
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

export interface GaleraSetting {
  label: string;
  valid: HttpRow;
  unknown: HttpRow;
  planMs: number;
  applyMs: number;
}

/** Three replicas on `servers` (one each), seeded, loaded, then a plan/apply of STACK_KEYS keys. */
async function measure(label: string, servers: string[], tmp: string): Promise<GaleraSetting> {
  const db = await createDatabase(servers[0]);
  const replicas = [];
  try {
    // Started together, as a deployment would: their migrations take turns on the lease row.
    replicas.push(...(await Promise.all(servers.map((s, i) => startKeyform(db.on(s), join(tmp, `galera-${label.replace(/\W+/g, "-")}-${i}.log`))))));
    const bases = replicas.map((r) => r.base);
    const pids = replicas.map((r) => r.proc.pid!);
    const { verifier, valid } = await seedVerifyKeys(bases[0]);
    const unknown = Array.from({ length: 1000 }, unknownKey);
    const rows = {
      valid: await scenario(`${label}: verify valid`, bases, verifier, cycle(valid), pids),
      unknown: await scenario(`${label}: verify unknown`, bases, verifier, cycle(unknown), pids),
    };
    // Plan through one replica, apply through another (so on another node on the cluster).
    const accounts = Array.from({ length: 10 }, (_, i) => `g-a${i}`);
    for (const a of accounts) await must(bases[0], "POST", "/v1/accounts", { id: a, key_limit: 10_000 });
    const config = stackConfig("galera-bench", STACK_KEYS, accounts);
    const plan = await must(bases[0], "POST", "/v1/stacks/galera-bench/plans", { config });
    if (plan.json.summary.add !== STACK_KEYS) throw new Error(`plan of ${STACK_KEYS}: ${JSON.stringify(plan.json.summary)}`);
    const applied = await api(bases[1], "POST", `/v1/plans/${plan.json.id}/apply`, {});
    if (applied.status !== 200 || applied.json.resources.length !== STACK_KEYS) throw new Error(`apply of ${STACK_KEYS}: ${applied.status} ${JSON.stringify(applied.json).slice(0, 300)}`);
    process.stderr.write(`  ${label}: plan ${plan.ms.toFixed(0)} ms, apply ${applied.ms.toFixed(0)} ms (${STACK_KEYS} keys)\n`);
    return { label, ...rows, planMs: plan.ms, applyMs: applied.ms };
  } finally {
    for (const r of replicas) await r.stop();
    await db.drop();
  }
}

export async function galeraPhase(tmp: string) {
  const started = await ensureCluster();
  try {
    const nodes = (await cluster("urls")).trim().split("\n");
    process.stderr.write(`galera: 3 replicas on one MariaDB, then one replica per node of a 3-node cluster\n`);
    const single = await measure("one MariaDB", [MYSQL_BASE, MYSQL_BASE, MYSQL_BASE], tmp);
    const galera = await measure("Galera 3 nodes", nodes, tmp);
    for (const r of [single.valid, single.unknown, galera.valid, galera.unknown]) {
      const ref = r.name.endsWith("valid") ? single.valid : single.unknown;
      r.ratio = r.rps / ref.rps;
      r.p99Ratio = r.p99 / Math.max(ref.p99, 1);
    }
    const targets: Target[] = [
      { target: `galera: plan ${STACK_KEYS} keys ≤ 1500 ms`, value: galera.planMs, limit: 1500, pass: galera.planMs <= 1500 },
      { target: `galera: apply ${STACK_KEYS} creates ≤ 10000 ms`, value: galera.applyMs, limit: 10000, pass: galera.applyMs <= 10000 },
    ];
    return {
      results: { single, galera, cluster: await serverVersion(nodes[0]), stackKeys: STACK_KEYS },
      rows: [single.valid, galera.valid, single.unknown, galera.unknown],
      stacks: [single, galera].map((s) => ({ label: s.label, planMs: s.planMs, applyMs: s.applyMs })),
      targets,
    };
  } finally {
    if (started) await cluster("down").catch(() => undefined);
  }
}
