import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { Settings } from "../config";
import type { Store } from "../store/store";
import { EvaluationError, PlanJob, type PlanJobDeps, type ParsedPlan, type PlannedPlan, type PlanTicket } from "./plan-job";
import { type FromWorker, fromWire, PlanEvaluationFailure, type PlanWorkerData, type ToWorker } from "./plan-worker.protocol";

/**
 * One plan request's hold on an evaluator, for its two steps around the request thread's
 * authorization. Every failure is an AppError (a refusal), a PlanEvaluationFailure (timeout, memory,
 * crash, unexpected error: the plan fails) or a store error (503). `release` always, once.
 */
export interface PlanSession {
  parse(stack: string, now: number, body: Uint8Array | undefined): Promise<ParsedPlan>;
  plan(ticket: PlanTicket): Promise<PlannedPlan>;
  release(): void;
}

export interface PlanRunner {
  session(): Promise<PlanSession>;
  close(): Promise<void>;
}

/**
 * Plans are evaluated off the request thread: in worker threads (one per core by default), each with
 * its own read connection to the store, a heap limit, and a wall-clock budget per plan after which it
 * is stopped and replaced. An in-memory SQLite database cannot be reached from another thread: plans
 * on one are evaluated in-process (`InlinePlanRunner`), with the same limits but no time budget.
 */
export function createPlanRunner(store: Store, settings: Settings, deps: PlanJobDeps, logger: Logger): PlanRunner {
  if (store.inMemory) return new InlinePlanRunner(deps, logger);
  return new WorkerPlanPool({
    size: settings.planWorkers,
    timeoutMs: settings.planTimeoutMs,
    heapMb: settings.planWorkerHeapMb,
    // A plan's reads are a handful of queries at a time: a small pool per worker.
    data: { store: { ...store.options, poolSize: 4 }, terms: { tempKeyTtlMs: settings.tempKeyTtlMs, tempKeyMaxUses: settings.tempKeyMaxUses, tempKeyCap: settings.tempKeyCap }, limits: settings.planLimits, nice: settings.planWorkerNice },
    logger,
  });
}

export interface PlanPoolOptions {
  size: number;
  timeoutMs: number;
  heapMb: number;
  data: PlanWorkerData;
  logger: Logger;
  /** Plans waiting for a worker before more are refused (429); default 4 per worker. */
  maxWaiting?: number;
  /** The worker's script (a built .js file); default plan.worker, built or from source. */
  entry?: string;
}

/** Where the worker's code is: the built file, or (tests and tsx, running TypeScript sources) the source through tsx. */
function workerEntry(): { filename: string; eval: boolean } {
  if (__filename.endsWith(".js")) return { filename: join(__dirname, "plan.worker.js"), eval: false };
  const tsx = require.resolve("tsx/cjs/api");
  return { filename: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(join(__dirname, "plan.worker.ts"))});`, eval: true };
}

/** One worker thread and its one outstanding call. */
class PlanThread {
  readonly worker: Worker;
  private pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  /** Why the thread is gone; null while it lives. */
  dead: PlanEvaluationFailure | null = null;
  /** Counted in the pool's live threads (cleared once, when the pool stops counting it). */
  counted = true;
  /** Resolved once the worker has loaded its code: a plan's time budget starts there, not at a cold start. */
  readonly ready: Promise<void>;
  private notReady: (e: Error) => void = () => undefined;

  constructor(opts: PlanPoolOptions, onDeath: (t: PlanThread) => void) {
    const entry = opts.entry ? { filename: opts.entry, eval: false } : workerEntry();
    this.worker = new Worker(entry.filename, { eval: entry.eval, workerData: opts.data, resourceLimits: { maxOldGenerationSizeMb: opts.heapMb } });
    this.worker.unref();
    let loaded: () => void = () => undefined;
    this.ready = new Promise((resolve, reject) => ((loaded = resolve), (this.notReady = reject)));
    this.ready.catch(() => undefined); // observed by `session`
    this.worker.on("message", (m: FromWorker) => {
      if (m.type === "ready") return loaded();
      const p = this.pending;
      this.pending = null;
      p?.resolve(m);
    });
    const die = (failure: PlanEvaluationFailure) => {
      if (this.dead) return;
      if (failure.reason !== "timeout") opts.logger.error({ reason: failure.reason, err: { message: failure.logDetail ?? failure.message } }, "plan worker stopped");
      this.fail(failure);
      onDeath(this);
    };
    this.worker.on("error", (err: Error & { code?: string }) =>
      die(err.code === "ERR_WORKER_OUT_OF_MEMORY" ? PlanEvaluationFailure.memory(opts.heapMb) : PlanEvaluationFailure.crash(err.stack ?? err.message)),
    );
    this.worker.on("exit", (code) => die(PlanEvaluationFailure.crash(`plan worker exited with code ${code}`)));
  }

  call(msg: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg, transfer);
    });
  }

  post(msg: ToWorker): void {
    if (!this.dead) this.worker.postMessage(msg);
  }

  /** Stops the thread (its plan, if any, fails with `failure`). */
  async kill(failure: PlanEvaluationFailure): Promise<void> {
    if (!this.dead) this.fail(failure);
    await this.worker.terminate();
  }

  /** Marks the thread gone: whoever waits for it (to load, or for a reply) gets `failure`. */
  private fail(failure: PlanEvaluationFailure): void {
    this.dead = failure;
    this.notReady(failure);
    this.pending?.reject(failure);
    this.pending = null;
  }
}

export class WorkerPlanPool implements PlanRunner {
  private readonly idle: PlanThread[] = [];
  private readonly all = new Set<PlanThread>();
  private live = 0;
  private readonly waiting: Array<{ resolve: (t: PlanThread) => void; reject: (e: Error) => void }> = [];
  private closed = false;

  constructor(private readonly opts: PlanPoolOptions) {}

  async session(): Promise<PlanSession> {
    const thread = await this.acquire();
    try {
      await thread.ready;
    } catch (err) {
      this.giveBack(thread);
      throw err;
    }
    return new WorkerSession(thread, this, this.opts);
  }

  /** The most recently used idle thread (its heap is warm and sized for plans), a new one, or a place in line. */
  private acquire(): Promise<PlanThread> {
    if (this.closed) return Promise.reject(shuttingDown());
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.live < this.opts.size) return Promise.resolve(this.spawn());
    if (this.waiting.length >= (this.opts.maxWaiting ?? 4 * this.opts.size)) {
      return Promise.reject(new AppError(ErrorCode.RATE_LIMITED, "Too many plans are being evaluated on this server; retry in a moment.", { headers: { "Retry-After": "1" } }));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private spawn(): PlanThread {
    this.live++;
    const t = new PlanThread(this.opts, (dead) => {
      // Gone while idle: forget it now. Gone while in use: `giveBack` does.
      const i = this.idle.indexOf(dead);
      if (i >= 0) {
        this.idle.splice(i, 1);
        this.uncount(dead);
      }
    });
    this.all.add(t);
    return t;
  }

  private uncount(t: PlanThread): void {
    if (!t.counted) return;
    t.counted = false;
    this.live--;
    this.all.delete(t);
    const next = this.closed ? undefined : this.waiting.shift();
    if (next) next.resolve(this.spawn());
  }

  /** A session is over: its thread serves the next plan, or (gone) makes room for a new one. */
  giveBack(t: PlanThread): void {
    if (t.dead || this.closed) {
      this.uncount(t);
      return;
    }
    t.post({ type: "drop" });
    const next = this.waiting.shift();
    if (next) next.resolve(t);
    else this.idle.push(t);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(shuttingDown());
    const threads = [...this.all];
    this.idle.length = 0;
    await Promise.all(threads.map((t) => t.kill(PlanEvaluationFailure.crash("the server is shutting down"))));
  }
}

function shuttingDown(): AppError {
  return new AppError(ErrorCode.STORE_UNAVAILABLE, "The server is shutting down; retry on another replica.", { headers: { "Retry-After": "1" } });
}

class WorkerSession implements PlanSession {
  private readonly timer: NodeJS.Timeout;
  private released = false;

  constructor(
    private readonly thread: PlanThread,
    private readonly pool: WorkerPlanPool,
    private readonly opts: PlanPoolOptions,
  ) {
    this.timer = setTimeout(() => {
      opts.logger.warn({ timeout_ms: opts.timeoutMs }, "plan evaluation timed out; its worker was stopped");
      void thread.kill(PlanEvaluationFailure.timeout(opts.timeoutMs));
    }, opts.timeoutMs);
    this.timer.unref();
  }

  async parse(stack: string, now: number, body: Uint8Array | undefined): Promise<ParsedPlan> {
    // The body's bytes move to the worker (no copy) when it owns its whole buffer; a pooled slice is copied.
    const bytes = body && (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body));
    const reply = await this.call({ type: "parse", stack, now, body: bytes }, bytes ? [bytes.buffer as ArrayBuffer] : []);
    if (reply.type !== "parsed") throw new Error(`plan worker answered ${reply.type} to parse`);
    return reply.result;
  }

  async plan(ticket: PlanTicket): Promise<PlannedPlan> {
    const reply = await this.call({ type: "plan", ticket });
    if (reply.type !== "planned") throw new Error(`plan worker answered ${reply.type} to plan`);
    return reply.result;
  }

  private async call(msg: ToWorker, transfer?: ArrayBuffer[]): Promise<Exclude<FromWorker, { type: "failed" }>> {
    const reply = await this.thread.call(msg, transfer);
    if (reply.type === "failed") {
      const err = fromWire(reply.error);
      if (err instanceof PlanEvaluationFailure) this.opts.logger.error({ err: { message: err.logDetail } }, "plan evaluation failed");
      throw err;
    }
    return reply;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    this.pool.giveBack(this.thread);
  }
}

/** Plans evaluated on the request thread, for a store no other thread can open (in-memory SQLite). */
export class InlinePlanRunner implements PlanRunner {
  constructor(
    private readonly deps: PlanJobDeps,
    private readonly logger: Logger,
  ) {}

  async session(): Promise<PlanSession> {
    let job: PlanJob | null = null;
    const run = async <T>(step: () => Promise<T>): Promise<T> => {
      try {
        return await step();
      } catch (err) {
        if (!(err instanceof EvaluationError)) throw err;
        const failure = PlanEvaluationFailure.evaluation(err.message, err.stack);
        this.logger.error({ err: { message: failure.logDetail } }, "plan evaluation failed");
        throw failure;
      }
    };
    return {
      parse: (stack, now, body) => run(() => (job = new PlanJob(this.deps, stack, now)).parse(body)),
      plan: (ticket) => run(() => {
        if (!job) throw new Error("plan before parse");
        return job.plan(ticket);
      }),
      release: () => {
        job = null;
      },
    };
  }

  async close(): Promise<void> {}
}
