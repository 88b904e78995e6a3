import { Harness } from "../support/harness";

// Size limits on input: 64 KiB for API bodies, 8 MiB for plan configurations (413 PAYLOAD_TOO_LARGE),
// and at most 10,000 resource instances per configuration.
describe("request size limits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start("sqlite");
    await h.account("lim", { key_limit: 100 });
  });
  afterAll(() => h.close());

  const problem = (res: { status: number; headers: Record<string, string>; text: string }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text).code).toBe(code);
  };
  const config = (padding: number) => ({
    provider: { keyform: [{ account: "lim" }] },
    resource: { keyform_api_key: { a: { name: "padded" } } },
    variable: { pad: { default: "x".repeat(padding) } },
  });

  it("API bodies over 64 KiB → 413, on every body-taking route; nothing written", async () => {
    const big = "x".repeat(70 * 1024);
    problem(await h.as().post("/v1/accounts", { id: "too-big", name: big }), 413, "PAYLOAD_TOO_LARGE");
    problem(await h.as().post("/v1/accounts/lim/keys", { name: "k", scopes: [big] }), 413, "PAYLOAD_TOO_LARGE");
    problem(await h.as().post("/v1/verify", { key: big }), 413, "PAYLOAD_TOO_LARGE");
    problem(await h.as().patch("/v1/accounts/lim", { name: big }), 413, "PAYLOAD_TOO_LARGE");
    expect((await h.as().get("/v1/accounts/too-big")).status).toBe(404);
    expect((await h.as().get("/v1/accounts/lim/keys")).body.keys).toHaveLength(0);
  });

  it("plan configurations may be larger (1 MiB is planned) but not over 8 MiB → 413", async () => {
    const ok = await h.as().post("/v1/stacks/limits/plans", { config: config(1024 * 1024) });
    expect(ok.status).toBe(201);
    const tooBig = await h.as().post("/v1/stacks/limits/plans", { config: config(9 * 1024 * 1024) });
    problem(tooBig, 413, "PAYLOAD_TOO_LARGE");
  });

  it("a configuration expanding to more than 10,000 instances is a plan diagnostic, not an exhausted server", async () => {
    for (const meta of [{ count: 10_001 }, { count: 2 ** 53 }, { count: "1e308" }, { for_each: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i])) }]) {
      const res = await h.as().post("/v1/stacks/bomb/plans", { config: { provider: { keyform: [{ account: "lim" }] }, resource: { keyform_api_key: { a: { name: "x", ...meta } } } } });
      problem(res, 422, "PLAN_FAILED");
    }
  });
});
