import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

describe.each(STORE_KINDS)("limits under concurrency on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
  });
  afterAll(() => h.close());

  it("50 simultaneous creates on an account with limit 10 → exactly 10 × 201, 40 × 409, 10 rows", async () => {
    await h.account("race");
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => h.as().post("/v1/accounts/race/keys", { name: `k-${i}` })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === "KEY_LIMIT_REACHED")).toBe(true);
    const rows = await h.store.manager.query("SELECT COUNT(*) AS n FROM api_keys WHERE account_id = ?", ["race"]);
    expect(Number(rows[0].n)).toBe(10);
  });

  it("simultaneous creates of one name → exactly one wins", async () => {
    await h.account("names", { key_limit: 100 });
    const results = await Promise.all(Array.from({ length: 20 }, () => h.as().post("/v1/accounts/names/keys", { name: "same" })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.code === "NAME_TAKEN")).toHaveLength(19);
  });

  it("30 simultaneous verifications of a temp key → exactly 10 VALID", async () => {
    await h.account("temp");
    const { secret, key } = await h.key("temp", { name: "t", type: "temp" });
    const results = await Promise.all(Array.from({ length: 30 }, () => h.verify(secret)));
    const codes = results.map((r) => r.body.code);
    expect(codes.filter((c) => c === "VALID")).toHaveLength(10);
    expect(codes.filter((c) => c === "USAGE_EXCEEDED")).toHaveLength(20);
    const rows = await h.store.manager.query("SELECT uses FROM api_keys WHERE id = ?", [key.id]);
    expect(Number(rows[0].uses)).toBe(10);
  });

  it("simultaneous temp-key creates respect the cap of 5", async () => {
    await h.account("tempcap");
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => h.as().post("/v1/accounts/tempcap/keys", { name: `t${i}`, type: "temp" })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
  });
});
