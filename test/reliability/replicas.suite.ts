import { api, serveKeyform, type ServedKeyform } from "../support/cli";

// Several `keyform serve` processes sharing one database, as behind a load balancer. Every invariant
// must hold across them because the database enforces it, not any one process. Run here on one MySQL
// (replicas.test.ts) and on a 3-node multi-primary Galera cluster, one replica per node (test/galera).
const ADMIN = "replicas-operator-token-0123456789";
const CACHE_TTL_MS = 1000; // the documented maximum of KEYFORM_VERIFY_CACHE_TTL
const REVOCATION_BOUND_MS = 1500;

/** A private database, reached through one URL per database node (replica i uses `urls[i % urls.length]`). */
export interface ReplicatedDatabase {
  urls: string[];
  drop(): Promise<void>;
}

export function describeReplicas(title: string, database: () => Promise<ReplicatedDatabase>) {
  describe(title, () => {
    let db: ReplicatedDatabase;
    let replicas: ServedKeyform[] = [];
    let clients = 0;
    const on = (i: number) => replicas[i % replicas.length].endpoint;
    const call = (i: number, method: string, path: string, body?: unknown, token = ADMIN) => api(on(i), token, method, path, body);

    beforeAll(async () => {
      db = await database();
      // Started together: their migrations race and must take turns (a lease row in the database).
      replicas = await Promise.all(
        [0, 1, 2].map((i) =>
          serveKeyform({
            databaseUrl: db.urls[i % db.urls.length],
            env: { KEYFORM_ADMIN_TOKEN: ADMIN, KEYFORM_VERIFY_CACHE_TTL: String(CACHE_TTL_MS), KEYFORM_TRUST_PROXY: "loopback", KEYFORM_AUTH_FAILURE_LIMIT: "5" },
          }),
        ),
      );
    }, 120_000);
    afterAll(async () => {
      for (const r of replicas) {
        expect(await r.stop("SIGTERM")).toBe(0);
        r.assertNoSecretInLogs();
      }
      await db?.drop();
    });

    describe.each([2, 3])("%i replicas", (n) => {
      const spread = (i: number) => i % n;

      it("60 simultaneous creates on an account with limit 10 → exactly 10 succeed", async () => {
        const account = `limit-${n}`;
        expect((await call(0, "POST", "/v1/accounts", { id: account })).status).toBe(201);
        const results = await Promise.all(Array.from({ length: 60 }, (_, i) => call(spread(i), "POST", `/v1/accounts/${account}/keys`, { name: `k-${i}` })));
        expect(results.filter((r) => r.status === 201)).toHaveLength(10);
        const refused = results.filter((r) => r.status !== 201);
        expect(refused).toHaveLength(50);
        expect(refused.every((r) => r.status === 409 && r.body.code === "KEY_LIMIT_REACHED")).toBe(true);
        for (let i = 0; i < n; i++) {
          const view = await call(i, "GET", `/v1/accounts/${account}`);
          expect(view.body.account.active_keys).toBe(10);
        }
        expect((await call(1, "GET", `/v1/accounts/${account}/keys`)).body.keys).toHaveLength(10);
      });

      it("30 accounts with limit 1, each raced by two replicas at the same moment → exactly one key each", async () => {
        // Races at the boundary, many times over: the case a per-node lock gets wrong (both see 0 keys).
        const accounts = Array.from({ length: 30 }, (_, i) => `pair-${n}-${i}`);
        for (const id of accounts) expect((await call(0, "POST", "/v1/accounts", { id, key_limit: 1 })).status).toBe(201);
        const results = await Promise.all(
          accounts.flatMap((id, i) => [0, 1].map((j) => call(spread(i + j), "POST", `/v1/accounts/${id}/keys`, { name: `k-${j}` }))),
        );
        expect(results.filter((r) => r.status === 201)).toHaveLength(30);
        expect(results.filter((r) => r.status === 409 && r.body.code === "KEY_LIMIT_REACHED")).toHaveLength(30);
        for (const [i, id] of accounts.entries()) expect((await call(i, "GET", `/v1/accounts/${id}`)).body.account.active_keys).toBe(1);
      });

      it("simultaneous creates of one name → exactly one; temp keys respect their cap of 5", async () => {
        const account = `names-${n}`;
        expect((await call(0, "POST", "/v1/accounts", { id: account, key_limit: 100 })).status).toBe(201);
        const same = await Promise.all(Array.from({ length: 24 }, (_, i) => call(spread(i), "POST", `/v1/accounts/${account}/keys`, { name: "same" })));
        expect(same.filter((r) => r.status === 201)).toHaveLength(1);
        expect(same.filter((r) => r.status === 409 && r.body.code === "NAME_TAKEN")).toHaveLength(23);
        const temps = await Promise.all(Array.from({ length: 18 }, (_, i) => call(spread(i), "POST", `/v1/accounts/${account}/keys`, { name: `t-${i}`, type: "temp" })));
        expect(temps.filter((r) => r.status === 201)).toHaveLength(5);
        expect(temps.filter((r) => r.status === 409 && r.body.code === "KEY_LIMIT_REACHED")).toHaveLength(13);
      });

      it("simultaneous verifications of one temp key spread over the replicas → exactly 10 VALID", async () => {
        const account = `temp-${n}`;
        expect((await call(0, "POST", "/v1/accounts", { id: account })).status).toBe(201);
        const made = await call(1, "POST", `/v1/accounts/${account}/keys`, { name: "once", type: "temp" });
        expect(made.status).toBe(201);
        const results = await Promise.all(Array.from({ length: 45 }, (_, i) => call(spread(i), "POST", "/v1/verify", { key: made.body.secret })));
        const codes = results.map((r) => r.body.code);
        expect(codes.filter((c) => c === "VALID")).toHaveLength(10);
        expect(codes.filter((c) => c === "USAGE_EXCEEDED")).toHaveLength(35);
        // Each VALID spent its own use and says how many were left after it: 9, 8, … 0, once each.
        const remaining = results.filter((r) => r.body.code === "VALID").map((r) => r.body.remaining_uses).sort((a, b) => a - b);
        expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const details = await call(2, "GET", `/v1/accounts/${account}/keys/${made.body.key.id}`);
        expect(details.body.key).toMatchObject({ uses: 10, remaining_uses: 0, status: "exhausted" });
      });

      it.each(["DELETE", "regenerate", "revoke-all"] as const)(`a key killed through one replica (%s) fails there at once and on the others within ${REVOCATION_BOUND_MS} ms`, async (how) => {
        const account = `revoke-${n}-${how.toLowerCase()}`;
        expect((await call(0, "POST", "/v1/accounts", { id: account })).status).toBe(201);
        const made = await call(0, "POST", `/v1/accounts/${account}/keys`, { name: "doomed" });
        // Warm every replica's verification cache with the key.
        for (let i = 0; i < n; i++) expect((await call(i, "POST", "/v1/verify", { key: made.body.secret })).body.code).toBe("VALID");
        const killedAt = Date.now();
        const kill =
          how === "DELETE"
            ? await call(0, "DELETE", `/v1/accounts/${account}/keys/${made.body.key.id}`)
            : how === "regenerate"
              ? await call(0, "POST", `/v1/accounts/${account}/keys/${made.body.key.id}/regenerate`, {})
              : await call(0, "POST", `/v1/accounts/${account}/keys/revoke-all`, {});
        expect(kill.status).toBeLessThan(300);
        expect((await call(0, "POST", "/v1/verify", { key: made.body.secret })).body.code).toBe("NOT_FOUND");
        const failedAfter = await Promise.all(
          Array.from({ length: n - 1 }, async (_, j) => {
            for (let attempt = 0; attempt < 100; attempt++) {
              const res = await call(j + 1, "POST", "/v1/verify", { key: made.body.secret });
              if (res.body.code !== "VALID") {
                expect(res.body.code).toBe("NOT_FOUND");
                return Date.now() - killedAt;
              }
              if (Date.now() - killedAt > 3 * REVOCATION_BOUND_MS) break;
              await new Promise((r) => setTimeout(r, 25));
            }
            return Infinity;
          }),
        );
        for (const ms of failedAfter) expect(ms).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
        // And as a credential: the dead secret cannot call the API on any replica.
        // (From an address of its own: these failures count against the fleet-wide failed-auth limit.)
        const client = { "x-forwarded-for": `192.0.2.${++clients}` };
        for (let i = 0; i < n; i++) {
          const res = await fetch(`${on(i)}/v1/accounts/${account}`, { headers: { authorization: `Bearer ${made.body.secret}`, ...client } });
          expect(res.status).toBe(401);
        }
        if (how === "regenerate") {
          for (let i = 0; i < n; i++) expect((await call(i, "POST", "/v1/verify", { key: kill.body.secret })).body.code).toBe("VALID");
        }
      });

      it("the same plan applied on every replica at once → applied exactly once", async () => {
        const account = `stack-${n}`;
        const stack = `replicated-${n}`;
        expect((await call(0, "POST", "/v1/accounts", { id: account, key_limit: 100 })).status).toBe(201);
        const resources = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, { name: `key-${i}` }]));
        const config = { provider: { keyform: [{ account }] }, resource: { keyform_api_key: resources } };
        const plan = await call(0, "POST", `/v1/stacks/${stack}/plans`, { config });
        expect(plan.status).toBe(201);
        const applies = await Promise.all(Array.from({ length: 3 * n }, (_, i) => call(spread(i), "POST", `/v1/plans/${plan.body.id}/apply`, {})));
        const ok = applies.filter((r) => r.status === 200);
        expect(ok).toHaveLength(1);
        for (const r of applies.filter((r) => r.status !== 200)) {
          expect(r.status).toBe(409);
          expect(["PLAN_ALREADY_APPLIED", "STACK_LOCKED", "PLAN_STALE"]).toContain(r.body.code);
        }
        expect(ok[0].body.serial).toBe(1);
        expect(ok[0].body.resources.filter((r: { secret?: string }) => r.secret)).toHaveLength(20);
        const state = await call(n - 1, "GET", `/v1/stacks/${stack}/state`);
        expect(state.body.serial).toBe(1);
        expect(state.body.resources.length).toBeGreaterThan(0);
        expect((await call(1, "GET", `/v1/accounts/${account}`)).body.account.active_keys).toBe(20);
        // Two plans made from the same serial: once one is applied, the other is stale on every replica.
        const a = await call(0, "POST", `/v1/stacks/${stack}/plans`, { config: { ...config, resource: { keyform_api_key: { ...resources, extra_a: { name: "extra-a" } } } } });
        const b = await call(1, "POST", `/v1/stacks/${stack}/plans`, { config: { ...config, resource: { keyform_api_key: { ...resources, extra_b: { name: "extra-b" } } } } });
        const [ra, rb] = await Promise.all([call(0, "POST", `/v1/plans/${a.body.id}/apply`, {}), call(n - 1, "POST", `/v1/plans/${b.body.id}/apply`, {})]);
        expect([ra.status, rb.status].sort()).toEqual([200, 409]);
        expect(["PLAN_STALE", "STACK_LOCKED"]).toContain((ra.status === 409 ? ra : rb).body.code);
        expect((await call(2, "GET", `/v1/accounts/${account}`)).body.account.active_keys).toBe(21);
      });
    });

    it("failed authentications are limited per client address across replicas (KEYFORM_TRUST_PROXY)", async () => {
      const attacker = { "x-forwarded-for": "203.0.113.77" };
      const bad = (i: number) =>
        fetch(`${on(i)}/v1/accounts/anything`, { headers: { authorization: "Bearer wrong-token", ...attacker } }).then(async (r) => ({ status: r.status, retry: r.headers.get("retry-after"), body: await r.json() }));
      const results = [];
      for (let i = 0; i < 9; i++) results.push(await bad(i));
      // The limit is 5 failures per window for the whole fleet, not per replica.
      expect(results.slice(0, 5).map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
      for (const r of results.slice(5)) {
        expect(r.status).toBe(429);
        expect(r.body.code).toBe("RATE_LIMITED");
        expect(Number(r.retry)).toBeGreaterThan(0);
      }
      // Another client address is unaffected, and verification results are never rate-limited.
      const other = await fetch(`${on(1)}/v1/accounts/limit-2`, { headers: { authorization: `Bearer ${ADMIN}`, "x-forwarded-for": "198.51.100.5" } });
      expect(other.status).toBe(200);
      for (let i = 0; i < 3 * replicas.length; i++) {
        const v = await call(i, "POST", "/v1/verify", { key: "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON" });
        expect(v.status).toBe(200);
      }
    });
  });
}
