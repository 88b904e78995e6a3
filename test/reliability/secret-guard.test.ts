import { Harness } from "../support/harness";

// The harness records every secret the app returns and `close()` fails if one reached the logs; this
// file proves the guard itself trips, so the rest of the suite can rely on it.
describe("the suite-wide no-secret-in-logs guard", () => {
  it("records secrets from create, regenerate and error bodies, and close() fails on a leak", async () => {
    const h = await Harness.start("sqlite");
    await h.account("guard");
    const { key, secret } = await h.key("guard", { name: "g" });
    const regen = await h.as().post(`/v1/accounts/guard/keys/${key.id}/regenerate`, {});
    expect(regen.status).toBe(200);
    expect(h.secrets.size).toBe(2);
    expect(h.secrets.leaksIn(h.logs.text)).toEqual([]);
    h.assertNoSecretInLogs();
    // A log line that carries a secret by mistake (here, its SHA-256 as a store debug line would).
    const { createHash } = await import("node:crypto");
    h.services.logger.info({ hash: createHash("sha256").update(regen.body.secret).digest("hex") }, "oops");
    await expect(h.close()).rejects.toThrow(/secret leaked into the logs/);
  });

  it("a clean run closes without complaint", async () => {
    const h = await Harness.start("sqlite");
    await h.account("clean");
    const { secret } = await h.key("clean", { name: "c" });
    await h.verify(secret);
    await h.as(secret).get("/v1/accounts/clean").set("x-request-id", "abc");
    await expect(h.close()).resolves.toBeUndefined();
  });
});
