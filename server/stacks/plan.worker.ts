/**
 * A plan worker: a thread that evaluates plan requests so the request thread never does (see
 * plan-pool.ts). It reads the store through a connection of its own and runs one PlanJob at a time.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { AccountRepository } from "../accounts/account.repository";
import { KeyRepository } from "../keys/key.repository";
import { Store } from "../store/store";
import { PlanJob, type PlanJobDeps } from "./plan-job";
import { PlanRepository } from "./plan.repository";
import { type FromWorker, type PlanWorkerData, toWire, type ToWorker } from "./plan-worker.protocol";
import { StackRepository } from "./stack.repository";

const data = workerData as PlanWorkerData;
const port = parentPort!;

// On Linux a thread has its own nice value: a lower priority for this one lets the request thread (and
// the verifications it answers) have the CPU first when a plan and requests compete for it. Elsewhere
// the call would lower the whole process, so it is Linux only.
if (data.nice > 0 && process.platform === "linux") {
  try {
    setPriority(0, data.nice);
  } catch {
    // Not permitted here (a sandbox): plans still run, at the same priority as requests.
  }
}

let opening: Promise<PlanJobDeps> | null = null;
/** Opened on the first plan, and again after a failed attempt (the database may be back). */
function deps(): Promise<PlanJobDeps> {
  opening ??= Store.openReader(data.store).then(
    (store) => ({
      stacks: new StackRepository(store), keys: new KeyRepository(store), accounts: new AccountRepository(store),
      // MySQL: the worker stores the plan through its own connection; SQLite has one writer, the request thread.
      plans: store.dialect === "mysql" ? new PlanRepository(store) : undefined,
      terms: data.terms, limits: data.limits,
    }),
    (err: unknown) => {
      opening = null;
      throw err;
    },
  );
  return opening;
}

let job: PlanJob | null = null;

async function handle(msg: ToWorker): Promise<FromWorker | null> {
  if (msg.type === "drop") {
    job = null;
    return null;
  }
  try {
    if (msg.type === "parse") {
      job = new PlanJob(await deps(), msg.stack, msg.now);
      return { type: "parsed", result: await job.parse(msg.body) };
    }
    const current = job;
    job = null;
    if (!current) throw new Error("plan without a parsed configuration");
    return { type: "planned", result: await current.plan(msg.ticket) };
  } catch (err) {
    job = null;
    return { type: "failed", error: toWire(err) };
  }
}

port.on("message", (msg: ToWorker) => {
  void handle(msg).then((reply) => {
    if (!reply) return;
    try {
      port.postMessage(reply);
    } catch (err) {
      port.postMessage({ type: "failed", error: toWire(err) } satisfies FromWorker);
    }
  });
});
port.postMessage({ type: "ready" } satisfies FromWorker);
