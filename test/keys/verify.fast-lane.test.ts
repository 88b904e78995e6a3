import type { IncomingMessage, ServerResponse } from "node:http";
import { STORE_KINDS } from "../support/db";
import { ADMIN_TOKEN, Harness } from "../support/harness";

/**
 * POST /v1/verify is served below Express for plain JSON requests (server/http/fast-lane.ts). Any other
 * request — here: the same body sent as `application/json;charset=utf-8`, which the lane leaves to
 * Express — goes through Express. Both must answer byte for byte the same, and the lane must really be
 * the one answering plain requests.
 */
describe.each(STORE_KINDS)("verification fast lane on %s", (kind) => {
  let h: Harness;
  let expressRequests = 0;
  let verifier: string;
  let live: string;
  let noVerify: string;
  const LANE = "application/json";
  const EXPRESS = "application/json;charset=utf-8";

  beforeAll(async () => {
    h = await Harness.start(kind, { settings: { authFailureLimit: 3, trustProxy: "loopback" } });
    const express = h.app.express as unknown as { handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void };
    const handle = express.handle.bind(express);
    express.handle = (req, res, next) => {
      expressRequests++;
      handle(req, res, next);
    };
    await h.account("lane");
    verifier = (await h.key("lane", { name: "verifier", scopes: ["keys:verify"] })).secret;
    live = (await h.key("lane", { name: "svc", scopes: ["alerts:send"] })).secret;
    noVerify = (await h.key("lane", { name: "no-verify", scopes: ["alerts:send"] })).secret;
  });
  afterAll(() => h.close());

  async function send(type: string, body: string, headers: Record<string, string>) {
    const before = expressRequests;
    let t = h.anon.post("/v1/verify").set("content-type", type).set("x-request-id", "lane-equivalence");
    for (const [k, v] of Object.entries(headers)) t = t.set(k, v);
    const res = await t.send(body);
    const { date: _date, ...rest } = res.headers;
    return { status: res.status, headers: rest, text: res.text, viaExpress: expressRequests - before };
  }

  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const cases: Array<[string, () => string, () => Record<string, string>, number, string | null]> = [
    ["a valid key", () => JSON.stringify({ key: live }), () => bearer(verifier), 200, "VALID"],
    ["a valid key, operator token", () => JSON.stringify({ key: live, scopes: ["alerts:send"] }), () => bearer(ADMIN_TOKEN), 200, "VALID"],
    ["insufficient scopes", () => JSON.stringify({ key: live, scopes: ["billing:write"] }), () => bearer(verifier), 200, "INSUFFICIENT_SCOPES"],
    ["an unknown key", () => JSON.stringify({ key: "kf_live_" + "A".repeat(36) }), () => bearer(verifier), 200, null],
    ["a malformed key", () => JSON.stringify({ key: "hello" }), () => bearer(verifier), 200, "MALFORMED"],
    ["a key of the wrong type", () => '{"key":1}', () => bearer(verifier), 400, "VALIDATION_FAILED"],
    ["an unknown field", () => JSON.stringify({ key: live, extra: true }), () => bearer(verifier), 400, "VALIDATION_FAILED"],
    ["a body that is not JSON", () => "{not json", () => bearer(verifier), 400, "VALIDATION_FAILED"],
    ["a JSON string body (strict)", () => '"text"', () => bearer(verifier), 400, "VALIDATION_FAILED"],
    ["a caller without keys:verify", () => JSON.stringify({ key: live }), () => bearer(noVerify), 403, "FORBIDDEN"],
  ];

  it.each(cases)("%s: the lane and Express answer the same bytes", async (_name, body, headers, status, code) => {
    const lane = await send(LANE, body(), headers());
    const viaExpress = await send(EXPRESS, body(), headers());
    expect(lane.viaExpress).toBe(0);
    expect(viaExpress.viaExpress).toBe(1);
    expect(lane.status).toBe(status);
    if (code) expect(JSON.parse(lane.text).code).toBe(code);
    expect(lane.headers["x-request-id"]).toBe("lane-equivalence");
    expect(lane.headers["content-security-policy"]).toContain("default-src 'self'");
    expect({ status: lane.status, headers: lane.headers, text: lane.text }).toEqual({ status: viaExpress.status, headers: viaExpress.headers, text: viaExpress.text });
  });

  it("answers a request without credentials with the same 401, and counts it for the same client address", async () => {
    const lane = await send(LANE, JSON.stringify({ key: live }), { "x-forwarded-for": "198.51.100.7" });
    const viaExpress = await send(EXPRESS, JSON.stringify({ key: live }), { "x-forwarded-for": "198.51.100.7" });
    expect(lane.viaExpress).toBe(0);
    expect(lane.status).toBe(401);
    expect({ status: lane.status, headers: lane.headers, text: lane.text }).toEqual({ status: viaExpress.status, headers: viaExpress.headers, text: viaExpress.text });
    // Failures from the forwarded address (trust proxy: loopback) count on both paths: the limit is 3 ...
    expect((await send(LANE, JSON.stringify({ key: live }), { ...bearer("kf_live_bogus"), "x-forwarded-for": "198.51.100.7" })).status).toBe(401);
    expect((await send(LANE, JSON.stringify({ key: live }), { ...bearer("kf_live_bogus"), "x-forwarded-for": "198.51.100.7" })).status).toBe(429);
    // ... so even a good credential is refused now, on either path, and another address is not.
    const limited = await send(LANE, JSON.stringify({ key: live }), { ...bearer(verifier), "x-forwarded-for": "198.51.100.7" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect((await send(EXPRESS, JSON.stringify({ key: live }), { ...bearer(verifier), "x-forwarded-for": "198.51.100.7" })).status).toBe(429);
    expect((await send(LANE, JSON.stringify({ key: live }), { ...bearer(verifier), "x-forwarded-for": "198.51.100.8" })).status).toBe(200);
  });

  it("spends a temp key's uses exactly once per verification on either path", async () => {
    const temp = (await h.key("lane", { name: "tmp", type: "temp" })).secret; // 10 uses
    const seen: Array<[string, number]> = [];
    for (let i = 0; i < 11; i++) {
      const r = JSON.parse((await send(i % 2 ? EXPRESS : LANE, JSON.stringify({ key: temp }), bearer(verifier))).text);
      seen.push([r.code, r.remaining_uses]);
    }
    expect(seen).toEqual([...Array.from({ length: 10 }, (_, i): [string, number] => ["VALID", 9 - i]), ["USAGE_EXCEEDED", 0]]);
  });

  it("logs and counts lane requests like any other request", async () => {
    const before = h.logs.lines.length;
    const res = await h.as(verifier).post("/v1/verify", { key: live }).set("x-request-id", "lane-log-check");
    expect(res.status).toBe(200);
    const metrics = (await h.as().get("/metrics")).text;
    await new Promise((r) => setTimeout(r, 50));
    const line = h.logs.lines.slice(before).map((l) => JSON.parse(l)).find((l) => l.req_id === "lane-log-check");
    expect(line).toMatchObject({ msg: "request", method: "POST", route: "/v1/verify", status: 200 });
    const ok = /keyform_http_requests_total\{method="POST",route="\/v1\/verify",status="200"\} (\d+)/.exec(metrics);
    expect(Number(ok?.[1])).toBeGreaterThanOrEqual(5);
    expect(h.logs.text).not.toContain(live);
  });
});
