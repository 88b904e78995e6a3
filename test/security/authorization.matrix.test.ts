import request from "supertest";
import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

/**
 * Every route × every kind of principal × every kind of target, with the expected status and code.
 * Principals are in account `acme` unless said otherwise; targets are acme's keys:
 *   weak   — scopes [alerts:send], never expires (dominated by `manage`)
 *   strong — scopes [alerts:send, billing:admin], never expires (stronger than every acme key but none)
 *   foreign — a key of account `evil`, addressed under acme; missing — an id nobody has.
 */
type Who = "operator" | "manage" | "manage30" | "read" | "verify" | "none" | "temp" | "evil" | "revoked" | "expired" | "anon";
const WHO: Who[] = ["operator", "manage", "manage30", "read", "verify", "none", "temp", "evil", "revoked", "expired", "anon"];

interface Expect {
  status: number;
  code?: string;
}
/** One expectation per principal, in WHO's order; a number is a status, a string a problem code. */
type Row = Array<number | string>;
const CODE_STATUS: Record<string, number> = { FORBIDDEN: 403, NOT_FOUND: 404, UNAUTHORIZED: 401, PLAN_FAILED: 422 };
const expectOf = (cell: number | string): Expect => (typeof cell === "number" ? { status: cell } : { status: CODE_STATUS[cell], code: cell });

//                                   operator  manage       manage30     read         verify       none         temp         evil         revoked  expired  anon
const READ: Row = /*             */ [200, /**/ 200, /*   */ 200, /*   */ 200, /*   */ "FORBIDDEN", "FORBIDDEN", 200, /*   */ "NOT_FOUND", 401, 401, 401];
const MANAGE_WEAK: Row = /*      */ [200, /**/ 200, /*   */ "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", 401, 401, 401];
const MANAGE_STRONG: Row = /*    */ [200, /**/ "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", 401, 401, 401];
const OPERATOR_ONLY: Row = /*    */ [200, /**/ "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", 401, 401, 401];
const FOREIGN_KEY: Row = /*      */ ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", "NOT_FOUND", 401, 401, 401];
const FOREIGN_KEY_CHANGE: Row = /**/ ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", "NOT_FOUND", 401, 401, 401];
const VERIFY: Row = /*           */ [200, /**/ "FORBIDDEN", 200, /*   */ "FORBIDDEN", 200, /*   */ "FORBIDDEN", "FORBIDDEN", 200, /*   */ 401, 401, 401];
const PLAN_OWN: Row = /*         */ [201, /**/ 201, /*   */ 201, /*   */ 201, /*   */ "FORBIDDEN", "FORBIDDEN", 201, /*   */ "PLAN_FAILED", 401, 401, 401];
const APPLY_WEAK: Row = /*       */ [200, /**/ 200, /*   */ "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", 401, 401, 401];
const APPLY_STRONG: Row = /*     */ [200, /**/ "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", 401, 401, 401];
const OPERATORS_STACK: Row = /*  */ [200, /**/ "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", 401, 401, 401];
const UNLOCK: Row = /*           */ ["LOCK_ID_MISMATCH", "LOCK_ID_MISMATCH", "LOCK_ID_MISMATCH", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "LOCK_ID_MISMATCH", "NOT_FOUND", 401, 401, 401];
CODE_STATUS.LOCK_ID_MISMATCH = 409;

const cfg = (stack: string, resources: Record<string, unknown>) => ({
  "//": { metadata: { stackName: stack } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: resources },
});

describe.each(STORE_KINDS)("authorization matrix on %s", (kind) => {
  let h: Harness;
  let now = Date.now();
  const token: Partial<Record<Who, string>> = {};
  let evilKeyId = "";
  const MISSING = "key_000000000000000000000000";

  beforeAll(async () => {
    // Temp keys spend a use per request as a credential; the matrix makes more than 10 requests as one.
    h = await Harness.start(kind, { clock: () => now, settings: { tempKeyMaxUses: 10_000 } });
    await h.account("acme", { key_limit: 10_000 });
    await h.account("evil");
    // Expired first: the clock then moves past its expiry, before every other key exists.
    token.expired = (await h.key("acme", { name: "expired", scopes: ["keys:manage", "alerts:send"], expires_at: new Date(now + 60_000).toISOString() })).secret;
    now += 120_000;
    token.operator = undefined;
    token.manage = (await h.key("acme", { name: "manage", scopes: ["keys:manage", "alerts:send"] })).secret;
    token.manage30 = (await h.key("acme", { name: "manage30", scopes: ["keys:manage", "keys:verify", "alerts:send", "billing:admin"], expires_in: "30d" })).secret;
    token.read = (await h.key("acme", { name: "read", scopes: ["keys:read", "alerts:send", "billing:admin"] })).secret;
    token.verify = (await h.key("acme", { name: "verify", scopes: ["keys:verify"] })).secret;
    token.none = (await h.key("acme", { name: "none", scopes: [] })).secret;
    token.temp = (await h.key("acme", { name: "temp", type: "temp", scopes: ["keys:manage", "alerts:send", "billing:admin"] })).secret;
    const evil = await h.key("evil", { name: "evil", scopes: ["keys:manage", "keys:verify", "alerts:send", "billing:admin"] });
    token.evil = evil.secret;
    evilKeyId = evil.key.id;
    const revoked = await h.key("acme", { name: "revoked", scopes: ["keys:manage", "alerts:send"] });
    await h.as().delete(`/v1/accounts/acme/keys/${revoked.key.id}`);
    token.revoked = revoked.secret;
  }, 60_000);
  afterAll(() => h.close());

  /** A request as `who`: the operator's token, an account key, or no credentials. */
  const as = (who: Who) => {
    if (who === "anon") {
      const agent = request(h.app);
      return { get: (p: string) => agent.get(p), post: (p: string, b?: object) => agent.post(p).send(b ?? {}), patch: (p: string, b?: object) => agent.patch(p).send(b ?? {}), delete: (p: string) => agent.delete(p) };
    }
    return h.as(token[who]);
  };
  let serial = 0;
  /** Fresh acme targets for one cell, so cells never depend on each other. */
  const target = async (strength: "weak" | "strong") =>
    (await h.key("acme", { name: `${strength}-${++serial}`, scopes: strength === "weak" ? ["alerts:send"] : ["alerts:send", "billing:admin"] })).key.id;

  const check = (res: request.Response, row: Row, who: Who, label: string) => {
    const want = expectOf(row[WHO.indexOf(who)]);
    const got = { status: res.status, ...(want.code ? { code: res.body?.code } : {}) };
    expect({ label, who, ...got }).toEqual({ label, who, ...want });
  };

  describe.each(WHO)("as %s", (who) => {
    it("accounts: read, audit, change, create", async () => {
      check(await as(who).get("/v1/accounts/acme"), READ, who, "GET account");
      check(await as(who).get("/v1/accounts/acme/audit"), READ, who, "GET audit");
      check(await as(who).patch("/v1/accounts/acme", { key_limit: 10_000 }), who === "evil" ? MANAGE_STRONG : OPERATOR_ONLY, who, "PATCH account");
      const created = await as(who).post("/v1/accounts", { id: `acct-${who}-${kind}` });
      check(created, OPERATOR_ONLY.map((c) => (c === 200 ? 201 : c)), who, "POST account");
    });

    it("keys: list and details, of acme and of another account", async () => {
      check(await as(who).get("/v1/accounts/acme/keys"), READ, who, "GET keys");
      check(await as(who).get(`/v1/accounts/acme/keys/${await target("strong")}`), READ, who, "GET strong key");
      check(await as(who).get(`/v1/accounts/acme/keys/${evilKeyId}`), FOREIGN_KEY, who, "GET foreign key under acme");
    });

    it("a foreign key reads exactly like a missing one", async () => {
      const foreign = await as(who).get(`/v1/accounts/acme/keys/${evilKeyId}`);
      const missing = await as(who).get(`/v1/accounts/acme/keys/${MISSING}`);
      expect([foreign.status, foreign.body.code, String(foreign.body.detail).replace(evilKeyId, "ID")]).toEqual([missing.status, missing.body.code, String(missing.body.detail).replace(MISSING, "ID")]);
    });

    it("create and import: only keys no stronger and no longer-lived than the caller", async () => {
      check(await as(who).post("/v1/accounts/acme/keys", { name: `c-weak-${who}`, scopes: ["alerts:send"] }), MANAGE_WEAK.map((c) => (c === 200 ? 201 : c)), who, "create weak");
      check(await as(who).post("/v1/accounts/acme/keys", { name: `c-strong-${who}`, scopes: ["alerts:send", "billing:admin"] }), MANAGE_STRONG.map((c) => (c === 200 ? 201 : c)), who, "create strong");
      const uuid = `dc746828-6bab-43d7-b01d-${String(WHO.indexOf(who)).padStart(12, "0")}`;
      check(await as(who).post("/v1/accounts/acme/keys/import", { name: `i-weak-${who}`, secret: uuid, scopes: ["alerts:send"] }), MANAGE_WEAK.map((c) => (c === 200 ? 201 : c)), who, "import weak");
    });

    it("change: only keys the caller dominates, and never into stronger ones", async () => {
      check(await as(who).patch(`/v1/accounts/acme/keys/${await target("weak")}`, { name: `renamed-${++serial}` }), MANAGE_WEAK, who, "rename weak");
      check(await as(who).patch(`/v1/accounts/acme/keys/${await target("strong")}`, { name: `renamed-${++serial}` }), MANAGE_STRONG, who, "rename strong");
      check(await as(who).patch(`/v1/accounts/acme/keys/${await target("weak")}`, { scopes: ["alerts:send", "billing:admin"] }), MANAGE_STRONG, who, "escalate weak");
      check(await as(who).patch(`/v1/accounts/acme/keys/${evilKeyId}`, { name: "x" }), FOREIGN_KEY_CHANGE, who, "change foreign");
    });

    it("regenerate and revoke: only keys the caller dominates", async () => {
      check(await as(who).post(`/v1/accounts/acme/keys/${await target("weak")}/regenerate`, {}), MANAGE_WEAK, who, "regenerate weak");
      check(await as(who).post(`/v1/accounts/acme/keys/${await target("strong")}/regenerate`, {}), MANAGE_STRONG, who, "regenerate strong");
      check(await as(who).delete(`/v1/accounts/acme/keys/${await target("weak")}`), MANAGE_WEAK.map((c) => (c === 200 ? 204 : c)), who, "revoke weak");
      check(await as(who).delete(`/v1/accounts/acme/keys/${await target("strong")}`), MANAGE_STRONG.map((c) => (c === 200 ? 204 : c)), who, "revoke strong");
      check(await as(who).delete(`/v1/accounts/acme/keys/${evilKeyId}`), FOREIGN_KEY_CHANGE, who, "revoke foreign");
    });

    it("verify: keys:verify, own account's keys only (another account's key is NOT_FOUND)", async () => {
      const { secret } = await h.key("acme", { name: `v-${++serial}`, scopes: ["alerts:send"] });
      const res = await as(who).post("/v1/verify", { key: secret });
      check(res, VERIFY, who, "verify");
      if (res.status === 200) expect(res.body.code).toBe(who === "evil" ? "NOT_FOUND" : "VALID");
    });

    it("stacks: planning is a read of the caller's own namespace; applying passes every step's own check", async () => {
      const stack = `m-${who}-${++serial}`;
      check(await as(who).post(`/v1/stacks/${stack}/plans`, { config: cfg(stack, { k: { name: `p-${stack}` } }) }), PLAN_OWN, who, "plan own namespace");
      // The operator plans in acme's namespace; who may apply it depends on what it creates.
      const weakPlan = await h.as().post(`/v1/stacks/${stack}-w/plans?owner=acme`, { config: cfg(`${stack}-w`, { k: { name: `w-${stack}`, scopes: ["alerts:send"] } }) });
      const strongPlan = await h.as().post(`/v1/stacks/${stack}-s/plans?owner=acme`, { config: cfg(`${stack}-s`, { k: { name: `s-${stack}`, scopes: ["alerts:send", "billing:admin"] } }) });
      expect([weakPlan.status, strongPlan.status]).toEqual([201, 201]);
      check(await as(who).get(`/v1/plans/${weakPlan.body.id}`), READ, who, "read acme's plan");
      check(await as(who).post(`/v1/plans/${weakPlan.body.id}/apply`, {}), APPLY_WEAK, who, "apply weak plan");
      check(await as(who).post(`/v1/plans/${strongPlan.body.id}/apply`, {}), APPLY_STRONG, who, "apply strong plan");
      const base = await h.as().post(`/v1/stacks/${stack}-b/plans?owner=acme`, { config: cfg(`${stack}-b`, { k: { name: `b-${stack}`, scopes: ["alerts:send"] } }) });
      expect((await h.as().post(`/v1/plans/${base.body.id}/apply`, {})).status).toBe(200);
      check(await as(who).get(`/v1/stacks/${stack}-b?owner=acme`), READ, who, "read acme's stack");
      check(await as(who).get(`/v1/stacks/${stack}-b/state?owner=acme`), READ, who, "read acme's state");
      check(await as(who).delete(`/v1/stacks/${stack}-b/lock?owner=acme`).send({ lock_id: "nope" }), UNLOCK, who, "force-unlock acme's stack");
      // The operator's own stacks are nobody else's business.
      const opPlan = await h.as().post(`/v1/stacks/${stack}-op/plans`, { config: cfg(`${stack}-op`, { k: { name: `op-${stack}` } }) });
      expect(opPlan.status).toBe(201);
      check(await as(who).get(`/v1/plans/${opPlan.body.id}`), OPERATORS_STACK, who, "read the operator's plan");
      check(await as(who).post(`/v1/plans/${opPlan.body.id}/apply`, {}), OPERATORS_STACK, who, "apply the operator's plan");
      const list = await as(who).get("/v1/stacks");
      check(list, [200, 200, 200, 200, "FORBIDDEN", "FORBIDDEN", 200, 200, 401, 401, 401], who, "list stacks");
      if (list.status === 200 && who !== "operator") {
        expect(list.body.stacks.every((s: { owner: string }) => s.owner === (who === "evil" ? "evil" : "acme"))).toBe(true);
      }
    });
  });
});
