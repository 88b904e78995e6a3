/**
 * What a user would write instead of keyform: Express 5 + express.json(), one SHA-256 and one indexed
 * MySQL query per request through a mysql2 pool (same pool size as keyform's), no cache, no logging.
 * Reads keyform's own tables so both verify the same keys. Prints "listening <port>".
 */
import { createHash } from "node:crypto";
import express from "express";
import mysql from "mysql2/promise";

const url = new URL(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/keyform");
const pool = mysql.createPool({
  host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username) || "root",
  password: decodeURIComponent(url.password), database: url.pathname.slice(1), connectionLimit: 10,
});
const app = express();
app.disable("x-powered-by");
app.set("etag", false);
app.post("/v1/verify", express.json(), async (req, res, next) => {
  try {
    const key = (req.body as { key?: unknown })?.key;
    if (typeof key !== "string") return void res.status(400).json({ error: "key required" });
    const hash = createHash("sha256").update(key, "utf8").digest("hex");
    const [rows] = await pool.query(
      "SELECT k.id, k.account_id, k.scopes, k.expires_at, k.revoked_at FROM key_secrets s JOIN api_keys k ON k.id = s.key_id WHERE s.hash = ?",
      [hash],
    );
    const r = (rows as Array<Record<string, unknown>>)[0];
    const now = Date.now();
    const valid = !!r && r.revoked_at === null && (r.expires_at === null || Number(r.expires_at) > now);
    res.json(valid ? { valid, code: "VALID", key_id: r.id, account: r.account_id } : { valid: false, code: "NOT_FOUND" });
  } catch (err) {
    next(err);
  }
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === "object" && a ? a.port : 0}\n`);
});
server.keepAliveTimeout = 65_000;
process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
