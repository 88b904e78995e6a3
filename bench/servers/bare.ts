/**
 * The ceiling: a bare Express 5 app answering the verify route with a constant, no middleware, no
 * body parsing. Started as its own process by bench/run.ts; prints "listening <port>".
 */
import express from "express";

const app = express();
app.disable("x-powered-by");
app.set("etag", false);
const body = { valid: true, code: "VALID" };
app.post("/v1/verify", (_req, res) => {
  res.json(body);
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === "object" && a ? a.port : 0}\n`);
});
server.keepAliveTimeout = 65_000;
process.on("SIGTERM", () => server.close(() => process.exit(0)));
