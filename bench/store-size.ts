/**
 * Phase `store-size`: verify throughput and p99 with 1,000 keys in the store vs 1,000,000 — two
 * databases, each seeded through keyform's API (a verifier and the 200 keys under load) and filled up
 * by bulk inserts straight into the tables (keys spread over 1,000 accounts). The same workload runs on
 * both, alternating small/large for `BENCH_STORE_ROUNDS` rounds (default 2) on a fresh keyform process
 * each time; each figure is the best of its rounds, which filters out bursts of other load on a shared
 * machine. Scenarios: the 200 keys with the verification cache on (production), the same with the
 * cache off (every verification reads the big tables), and a fresh unknown key per request.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { adminConn, createDatabase, cycle, scenario, seedVerifyKeys, startKeyform, unknownKey, bestOf, type BenchDatabase, type HttpRow, type Target } from "./lib";

const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_STORE_KEYS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_STORE_ROUNDS ?? 2);
const ACCOUNTS = 1_000;
const BATCH = 5_000;

const SCENARIOS = [
  { kind: "valid", label: "verify valid (cache on)", env: {} },
  { kind: "valid-uncached", label: "verify valid, cache off", env: { KEYFORM_VERIFY_CACHE_TTL: "0" } },
  { kind: "unknown", label: "verify unknown (fresh each request)", env: {} },
] as const;
type Kind = (typeof SCENARIOS)[number]["kind"];

async function countKeys(db: BenchDatabase): Promise<number> {
  const c = await adminConn();
  try {
    const [rows] = await c.query(`SELECT COUNT(*) AS n FROM \`${db.name}\`.api_keys`);
    return Number((rows as Array<{ n: number }>)[0].n);
  } finally {
    await c.end();
  }
}

/** Fills `db` up to `total` keys (with their secret hashes) in multi-row statements; returns seconds taken. */
async function fill(db: BenchDatabase, total: number): Promise<number> {
  const started = Date.now();
  const from = await countKeys(db);
  const c = await adminConn();
  const now = Date.now();
  try {
    await c.query(`USE \`${db.name}\``);
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => [`bulk-${i}`, null, 10_000, null, now, now]);
    await c.query("INSERT INTO accounts (id, name, key_limit, max_expiry, created_at, updated_at) VALUES ?", [accounts]);
    for (let start = 0; start < total - from; start += BATCH) {
      const keys: unknown[][] = [];
      const secrets: unknown[][] = [];
      for (let i = start; i < Math.min(total - from, start + BATCH); i++) {
        const id = `key_bulk${i.toString(36).padStart(20, "0")}`;
        keys.push([id, `bulk-${i % ACCOUNTS}`, `bulk-${i}`, "live", "kf_live_bulk…bulk", '["alerts:send"]', now - i, null, null, null, null, 0, null, 1, null, null]);
        secrets.push([createHash("sha256").update(`bulk-secret-${i}`).digest("hex"), id, now - i, null]);
      }
      await c.query("START TRANSACTION");
      await c.query(
        "INSERT INTO api_keys (id, account_id, name, type, masked, scopes, created_at, expires_in, expires_at, revoked_at, last_used_at, uses, max_uses, generation, stack, stack_address) VALUES ?",
        [keys],
      );
      await c.query("INSERT INTO key_secrets (hash, key_id, created_at, expires_at) VALUES ?", [secrets]);
      await c.query("COMMIT");
      if (start % (BATCH * 40) === 0) process.stderr.write(`  ${db.name}: ${(from + start + keys.length).toLocaleString("en")} / ${total.toLocaleString("en")} keys\n`);
    }
    await c.query("ANALYZE TABLE api_keys, key_secrets");
  } finally {
    await c.end();
  }
  return (Date.now() - started) / 1000;
}

interface Store {
  db: BenchDatabase;
  keys: number;
  verifier: string;
  valid: string[];
  rounds: Array<Record<Kind, HttpRow>>;
}

async function prepare(total: number, tmp: string): Promise<Store & { fillSeconds: number }> {
  const db = await createDatabase();
  const kf = await startKeyform(db.url, join(tmp, "keyform-store-size.log"));
  const { verifier, valid } = await seedVerifyKeys(kf.base);
  await kf.stop();
  const fillSeconds = await fill(db, total);
  return { db, keys: await countKeys(db), verifier, valid, rounds: [], fillSeconds };
}

async function round(s: Store, tmp: string): Promise<void> {
  const rows = {} as Record<Kind, HttpRow>;
  const name = (label: string) => `${s.keys.toLocaleString("en")} keys: ${label}`;
  for (const env of [{}, { KEYFORM_VERIFY_CACHE_TTL: "0" }] as Array<Record<string, string>>) {
    const kf = await startKeyform(s.db.url, join(tmp, "keyform-store-size.log"), env);
    try {
      for (const sc of SCENARIOS.filter((x) => (Object.keys(x.env).length > 0) === Object.keys(env).length > 0)) {
        const pick = sc.kind === "unknown" ? unknownKey : cycle(s.valid);
        rows[sc.kind] = await scenario(name(sc.label), kf.base, s.verifier, pick, kf.proc.pid!);
      }
    } finally {
      await kf.stop();
    }
  }
  s.rounds.push(rows);
}

export async function storeSizePhase(tmp: string) {
  const stores: Store[] = [];
  try {
    const small = await prepare(SMALL, tmp);
    stores.push(small);
    const large = await prepare(LARGE, tmp);
    stores.push(large);
    process.stderr.write(`  bulk insert up to ${large.keys.toLocaleString("en")} keys: ${large.fillSeconds.toFixed(0)} s\n`);
    for (let i = 0; i < ROUNDS; i++) {
      await round(small, tmp);
      await round(large, tmp);
    }
    const rows: HttpRow[] = [];
    const targets: Target[] = [];
    const label = `${large.keys.toLocaleString("en")} vs ${small.keys.toLocaleString("en")} keys`;
    for (const sc of SCENARIOS) {
      const a = bestOf(small.rounds.map((r) => r[sc.kind]));
      const b = bestOf(large.rounds.map((r) => r[sc.kind]));
      a.ratio = 1;
      a.p99Ratio = 1;
      b.ratio = b.rps / a.rps;
      b.p99Ratio = b.p99 / Math.max(a.p99, 0.01);
      rows.push(a, b);
      targets.push(
        { target: `${sc.label}: req/s, ${label} ≥ 0.9 ×`, value: b.ratio, limit: 0.9, pass: b.ratio >= 0.9 },
        { target: `${sc.label}: p99, ${label} ≤ 1.2 ×`, value: b.p99Ratio, limit: 1.2, pass: b.p99Ratio <= 1.2 },
      );
    }
    const results = {
      rounds: ROUNDS,
      stores: stores.map((s) => ({ keys: s.keys, rounds: s.rounds })),
      bulkInsertSeconds: large.fillSeconds,
    };
    return { results, rows, targets };
  } finally {
    for (const s of stores) await s.db.drop();
  }
}
