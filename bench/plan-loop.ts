/**
 * Plans one stack back to back until told to stop, as its own process (started by bench/run.ts), so
 * that receiving ~24 MB plan responses never runs on the load generator's event loop. Reads the request
 * body from a file; discards responses without parsing them; on SIGTERM (or after `seconds`) prints
 * `{"plans": n, "statuses": {...}, "ms": [...]}` and exits.
 *
 *   node dist/bench/plan-loop.js <base url> <token> <stack> <body file> <seconds>
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";

const [base, token, stack, file, seconds] = process.argv.slice(2);
const body = readFileSync(file);
const until = Date.now() + Number(seconds) * 1000;
const statuses: Record<string, number> = {};
const ms: number[] = [];
let stopping = false;

function planOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/stacks/${stack}/plans`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": body.length },
    });
    req.on("response", (res) => {
      res.on("data", () => undefined);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function finish(): void {
  process.stdout.write(`${JSON.stringify({ plans: ms.length, statuses, ms })}\n`);
  process.exit(0);
}

process.on("SIGTERM", () => {
  stopping = true;
});

void (async () => {
  while (!stopping && Date.now() < until) {
    const t0 = performance.now();
    const status = await planOnce();
    ms.push(Math.round(performance.now() - t0));
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  finish();
})();
