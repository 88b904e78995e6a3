// A stand-in plan worker for the pool's crash handling: it dies on a plan of stack "crash" (as a worker
// that hit a bug in native code or its heap limit would), and answers any other parse.
const { parentPort, threadId } = require("node:worker_threads");
parentPort.on("message", (m) => {
  if (m.type !== "parse") return;
  if (m.stack === "crash") process.exit(70);
  parentPort.postMessage({ type: "parsed", result: { accounts: [`thread-${threadId}`], lineage: null, serial: 0 } });
});
parentPort.postMessage({ type: "ready" });
