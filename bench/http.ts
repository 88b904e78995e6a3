/**
 * Phase `http`: `POST /v1/verify` on a bare Express endpoint (the ceiling), on a naive verifier, and on
 * keyform (valid, unknown, mixed keys; and valid keys through Express for comparison).
 */
import { join } from "node:path";
import { randomBase62 } from "../core/keys/secret-format";
import { cycle, DIST, scenario, seedVerifyKeys, startChild, startKeyform, unknownKey, type BenchDatabase, type HttpRow, type Target } from "./lib";

export async function httpPhase(db: BenchDatabase, tmp: string) {
  // ---- seed keys through keyform's own API
  let kf = await startKeyform(db.url, join(tmp, "keyform-http.log"));
  const { verifier, valid } = await seedVerifyKeys(kf.base);
  await kf.stop();
  const unknown = Array.from({ length: 1000 }, unknownKey);
  const malformed = Array.from({ length: 100 }, () => `kf_live_${randomBase62(36)}`);
  const pickValid = cycle(valid);
  const pickUnknown = cycle(unknown);
  const pickMalformed = cycle(malformed);
  // Mix: 80 % valid, 15 % unknown, 5 % malformed, interleaved deterministically.
  let mix = 0;
  const pickMix = () => {
    const m = mix++ % 20;
    return m < 16 ? pickValid() : m < 19 ? pickUnknown() : pickMalformed();
  };

  // ---- each server alone on the machine, same connections and duration
  const http: HttpRow[] = [];
  const bare = await startChild("bare", [join(DIST, "bench/servers/bare.js")], {}, join(tmp, "bare.log"), "/v1/verify");
  http.push(await scenario("bare express (constant)", bare.base, verifier, pickValid, bare.proc.pid!));
  await bare.stop();
  const naive = await startChild("naive", [join(DIST, "bench/servers/naive.js")], { DATABASE_URL: db.url }, join(tmp, "naive.log"), "/v1/verify");
  http.push(await scenario("naive verifier (sha256 + mysql)", naive.base, verifier, pickValid, naive.proc.pid!));
  await naive.stop();
  kf = await startKeyform(db.url, join(tmp, "keyform-http.log"));
  http.push(await scenario("keyform /v1/verify valid", kf.base, verifier, pickValid, kf.proc.pid!));
  if (!process.env.BENCH_ONLY_VALID) {
    http.push(await scenario("keyform /v1/verify unknown", kf.base, verifier, pickUnknown, kf.proc.pid!));
    http.push(await scenario("keyform /v1/verify mix 80/15/5", kf.base, verifier, pickMix, kf.proc.pid!));
    // For comparison only (no target): the same valid-key load with a media type the fast lane leaves
    // to Express, i.e. what every verification cost before the lane.
    http.push(await scenario("keyform valid, via Express", kf.base, verifier, pickValid, kf.proc.pid!, "application/json; charset=UTF-8"));
  }
  await kf.stop();
  const [ceiling, naiveRow, kv] = http;
  for (const r of http) {
    r.ratio = r.rps / ceiling.rps;
    r.p99Ratio = r.p99 / Math.max(ceiling.p99, 1);
  }
  const targets: Target[] = [
    { target: "verify valid ≥ 0.8 × bare req/s", value: kv.ratio!, limit: 0.8, pass: kv.ratio! >= 0.8 },
    { target: "verify valid p99 ≤ 1.5 × bare p99", value: kv.p99 / ceiling.p99, limit: 1.5, pass: kv.p99 <= 1.5 * ceiling.p99 },
    { target: "verify valid ≥ 1.4 × naive req/s", value: kv.rps / naiveRow.rps, limit: 1.4, pass: kv.rps >= 1.4 * naiveRow.rps },
  ];
  return { rows: http, targets };
}
