import { randomBytes, randomUUID } from "node:crypto";
import fc from "fast-check";
import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

/**
 * From random key sets and random sequences of API calls by account keys (REST, plans and applies, and
 * plans an operator left for someone to apply), no principal ever obtains the secret of a key that is
 * stronger or longer-lived than itself or that belongs to another account — so no secret it holds ever
 * verifies VALID with more scopes than the key it descends from, or in another account.
 */
const SCOPES = ["keys:read", "keys:manage", "keys:verify", "alerts:send", "billing:admin"] as const;
const EXPIRIES = [undefined, "30d", "90d", "1y", "never"] as const;

interface Held {
  secret: string;
  keyId: string;
  account: string;
  /** The operator-made key this secret descends from: its scopes bound everything derived from it. */
  root: { scopes: string[]; expiresAt: number | null };
}

const holds = (scopes: readonly string[], s: string) => scopes.includes(s) || (s === "keys:read" && scopes.includes("keys:manage"));
const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
const noLater = (a: number | null, b: number | null) => b === null || (a !== null && a <= b);

const scopeSet = fc.subarray([...SCOPES]);
const action = fc.oneof(
  fc.record({ op: fc.constant("create" as const), actor: fc.nat(), scopes: scopeSet, expiry: fc.constantFrom(...EXPIRIES), temp: fc.boolean() }),
  fc.record({ op: fc.constant("regenerate" as const), actor: fc.nat(), target: fc.nat() }),
  fc.record({ op: fc.constant("rescope" as const), actor: fc.nat(), target: fc.nat(), scopes: scopeSet }),
  fc.record({ op: fc.constant("reexpire" as const), actor: fc.nat(), target: fc.nat(), expiry: fc.constantFrom("30d", "90d", "1y", "never") }),
  fc.record({ op: fc.constant("import" as const), actor: fc.nat(), scopes: scopeSet }),
  fc.record({ op: fc.constant("revoke" as const), actor: fc.nat(), target: fc.nat() }),
  fc.record({ op: fc.constant("revokeAll" as const), actor: fc.nat() }),
  fc.record({ op: fc.constant("stack" as const), planner: fc.nat(), applier: fc.nat(), scopes: scopeSet, expiry: fc.constantFrom(...EXPIRIES), byOperator: fc.boolean() }),
  fc.record({ op: fc.constant("verify" as const), actor: fc.nat(), target: fc.nat() }),
);

describe.each(STORE_KINDS)("authorization properties on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
  });
  afterAll(() => h.close());

  it("no principal obtains a stronger, longer-lived or foreign credential", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ scopes: scopeSet, expiry: fc.constantFrom(...EXPIRIES) }), { minLength: 2, maxLength: 4 }),
        fc.array(action, { minLength: 4, maxLength: 18 }),
        async (roots, actions) => {
          const run = randomBytes(4).toString("hex");
          const accounts = [`pa-${run}`, `pb-${run}`];
          const held: Held[] = [];
          const keyIds: Record<string, string[]> = {};
          for (const a of accounts) {
            await h.account(a, { key_limit: 1000 });
            keyIds[a] = [];
            for (const r of roots) {
              const made = await h.key(a, { name: `root-${keyIds[a].length}`, scopes: [...r.scopes, "keys:manage"], ...(r.expiry ? { expires_in: r.expiry } : {}) });
              keyIds[a].push(made.key.id);
              held.push({ secret: made.secret, keyId: made.key.id, account: a, root: { scopes: made.key.scopes as string[], expiresAt: ms(made.key.expires_at as string | null) } });
            }
          }
          /** The obtainer's own key as it is right now (before the call that hands out a secret). */
          const current = async (c: Held) => (await h.as().get(`/v1/accounts/${c.account}/keys/${c.keyId}`)).body.key as { scopes: string[]; expires_at: string | null };
          /** Every secret in a response must be of a key the obtainer dominates, in its own account. */
          const received = (by: Held, obtainer: { scopes: string[]; expires_at: string | null }, key: { id: string; account: string; scopes: string[]; expires_at: string | null }, secret: string) => {
            expect({ account: key.account }).toEqual({ account: by.account });
            expect(key.scopes.filter((s) => !holds(obtainer.scopes, s))).toEqual([]);
            expect({ outlives: !noLater(ms(key.expires_at), ms(obtainer.expires_at)) }).toEqual({ outlives: false });
            keyIds[key.account].push(key.id);
            held.push({ secret, keyId: key.id, account: key.account, root: by.root });
          };
          /** A key changed by `by` must still be one `by` dominates; from now on it is bounded by `by`'s root. */
          const changed = (by: Held, obtainer: { scopes: string[]; expires_at: string | null }, key: { id: string; account: string; scopes: string[]; expires_at: string | null }) => {
            expect({ account: key.account }).toEqual({ account: by.account });
            expect(key.scopes.filter((s) => !holds(obtainer.scopes, s))).toEqual([]);
            expect({ outlives: !noLater(ms(key.expires_at), ms(obtainer.expires_at)) }).toEqual({ outlives: false });
            for (const c of held) if (c.keyId === key.id) c.root = by.root;
          };
          const pick = <T>(list: T[], i: number) => list[i % list.length];

          for (const a of actions) {
            if (a.op === "stack") {
              const planner = pick(held, a.planner);
              const applier = pick(held, a.applier);
              if (planner.account !== applier.account) continue;
              const stack = `ps-${randomBytes(3).toString("hex")}`;
              const config = {
                provider: { keyform: [{ account: planner.account }] },
                resource: { keyform_api_key: { k: { name: `k-${stack}`, scopes: a.scopes, ...(a.expiry ? { expires_in: a.expiry } : {}) } } },
              };
              const plan = a.byOperator
                ? await h.as().post(`/v1/stacks/${stack}/plans?owner=${planner.account}`, { config })
                : await h.as(planner.secret).post(`/v1/stacks/${stack}/plans`, { config });
              if (plan.status !== 201) continue;
              const before = await current(applier);
              const applied = await h.as(applier.secret).post(`/v1/plans/${plan.body.id}/apply`, {});
              for (const r of applied.status === 200 ? applied.body.resources : []) {
                if (r.secret) received(applier, before, r.key, r.secret);
              }
              continue;
            }
            const actor = pick(held, a.actor);
            const base = `/v1/accounts/${actor.account}/keys`;
            const target = "target" in a ? pick([...keyIds[actor.account], ...keyIds[accounts[1 - accounts.indexOf(actor.account)]]], a.target) : "";
            const before = await current(actor);
            switch (a.op) {
              case "create": {
                const body = { name: `c-${randomBytes(3).toString("hex")}`, scopes: a.scopes, ...(a.temp ? { type: "temp" } : a.expiry ? { expires_in: a.expiry } : {}) };
                const res = await h.as(actor.secret).post(base, body);
                if (res.status === 201) received(actor, before, res.body.key, res.body.secret);
                break;
              }
              case "regenerate": {
                const res = await h.as(actor.secret).post(`${base}/${target}/regenerate`, {});
                if (res.status === 200) received(actor, before, res.body.key, res.body.secret);
                break;
              }
              case "rescope":
              case "reexpire": {
                const res = await h.as(actor.secret).patch(`${base}/${target}`, a.op === "rescope" ? { scopes: a.scopes } : { expires_in: a.expiry });
                if (res.status === 200) changed(actor, before, res.body.key);
                break;
              }
              case "import":
                await h.as(actor.secret).post(`${base}/import`, { name: `i-${randomBytes(3).toString("hex")}`, secret: randomUUID(), scopes: a.scopes });
                break;
              case "revoke":
                await h.as(actor.secret).delete(`${base}/${target}`);
                break;
              case "revokeAll":
                await h.as(actor.secret).post(`${base}/revoke-all`, {});
                break;
              case "verify": {
                const other = pick(held, a.target);
                const res = await h.as(actor.secret).post("/v1/verify", { key: other.secret });
                // Another account's key is never VALID (nor reveals anything) to an account key.
                if (res.status === 200 && other.account !== actor.account) expect(res.body).toEqual({ valid: false, code: "NOT_FOUND" });
                break;
              }
            }
          }
          // Whatever happened, every secret held verifies (if at all) within its root's account and scopes.
          for (const c of held) {
            const v = await h.verify(c.secret);
            if (!v.body.valid) continue;
            expect(v.body.account).toBe(c.account);
            expect((v.body.scopes as string[]).filter((s) => !holds(c.root.scopes, s))).toEqual([]);
            expect(noLater(ms(v.body.expires_at), c.root.expiresAt)).toBe(true);
          }
        },
      ),
      { numRuns: kind === "sqlite" ? 40 : 25 },
    );
  }, 600_000);
});
