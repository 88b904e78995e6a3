import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { freshDatabase } from "../support/db";

/** The project's own 3-node Galera cluster (test/galera/cluster.sh; `.ci/run` starts it). */
const SCRIPT = resolve(__dirname, "cluster.sh");
const run = promisify(execFile);

export type NodeNumber = 1 | 2 | 3;
export const NODES: NodeNumber[] = [1, 2, 3];

async function cluster(...args: string[]): Promise<string> {
  const { stdout } = await run("bash", [SCRIPT, ...args], { timeout: 240_000 });
  return stdout;
}

/** Throws, saying how to start it, unless 3 nodes are Synced. */
export async function requireCluster(): Promise<void> {
  try {
    await cluster("status");
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? "";
    throw new Error(`The Galera suite needs the test cluster: run \`bash test/galera/cluster.sh up\` first.\n${out}`);
  }
}

/** The app user's URL of each node (no database). */
export async function nodeUrls(): Promise<string[]> {
  return (await cluster("urls")).trim().split("\n");
}

export interface GaleraDatabase {
  name: string;
  /** The same database through node 1, 2 and 3. */
  urls: string[];
  drop(): Promise<void>;
}

/** A private database on the cluster (created through node 1; DDL reaches every node). */
export async function freshGaleraDatabase(): Promise<GaleraDatabase> {
  await requireCluster();
  const bases = await nodeUrls();
  const db = await freshDatabase("mysql", bases[0]);
  const name = new URL(db.url).pathname.slice(1);
  const urls = bases.map((b) => {
    const u = new URL(b);
    u.pathname = `/${name}`;
    return u.toString();
  });
  return { name, urls, drop: db.drop };
}

/** Fault injection on one node's mariadbd. */
export const node = (n: NodeNumber) => ({
  /** SIGSTOP: cut off (the others evict it after their suspect timeout and go on as a primary component). */
  pause: () => cluster("pause-node", String(n)),
  /** SIGCONT: it finds itself outside the primary component and rejoins by itself. */
  resume: () => cluster("resume-node", String(n)),
  /** SIGKILL, returning once the process is gone. */
  kill: () => cluster("kill-node", String(n)),
  /** Starts it again (it rejoins by state transfer) and waits until it is Synced. */
  start: () => cluster("start-node", String(n)),
  waitSynced: (seconds = 120) => cluster("wait-synced", String(n), String(seconds)),
});
