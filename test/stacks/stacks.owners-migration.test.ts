import { StackOwners1700000000003 } from "../../server/store/migrations/1700000000003-stack-owners";
import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

const cfg = (stack: string, resources: Record<string, unknown>) => ({
  "//": { metadata: { stackName: stack } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: resources },
});

/**
 * Stacks were one global namespace; now they are owned. The migration gives an existing stack to the
 * account whose key applied it last (if every key in it is that account's), else to the operator, and
 * moves its plans and keys along: every pipeline keeps working with the credential it used.
 */
describe.each(STORE_KINDS)("stack owners migration on %s", (kind) => {
  let h: Harness;
  let manager: string;
  beforeAll(async () => {
    h = await Harness.start(kind);
    await h.account("acme");
    await h.account("beta");
    manager = (await h.key("acme", { name: "pipeline", scopes: ["keys:manage"] })).secret;
    const apply = async (token: string | undefined, stack: string, config: object) => {
      const plan = await h.as(token).post(`/v1/stacks/${stack}/plans`, { config });
      expect(plan.status).toBe(201);
      expect((await h.as(token).post(`/v1/plans/${plan.body.id}/apply`, {})).status).toBe(200);
    };
    await apply(manager, "team", cfg("team", { a: { name: "team-a" } }));
    await apply(undefined, "ops", cfg("ops", { b: { name: "ops-b" } }));
    await apply(undefined, "mixed", cfg("mixed", { c: { name: "mixed-c" }, d: { name: "mixed-d", account: "beta" } }));
    // Back to the old layout (one namespace), then forward again, as an upgrade runs it.
    const qr = h.store.dataSource.createQueryRunner();
    try {
      await new StackOwners1700000000003().down(qr);
      expect(((await qr.query("SELECT name FROM stacks ORDER BY name")) as Array<{ name: string }>).map((r) => r.name)).toEqual(["mixed", "ops", "team"]);
      await new StackOwners1700000000003().up(qr);
    } finally {
      await qr.release();
    }
  });
  afterAll(() => h.close());

  it("gives a stack its last applier's account, and leaves the operator's and spanning ones to the operator", async () => {
    const stored = ((await h.store.manager.query("SELECT name FROM stacks ORDER BY name")) as Array<{ name: string }>).map((r) => r.name);
    expect(stored).toEqual(["acme/team", "mixed", "ops"]);
    expect((await h.as(manager).get("/v1/stacks")).body.stacks.map((s: { name: string }) => s.name)).toEqual(["team"]);
    expect((await h.as().get("/v1/stacks")).body.stacks.map((s: { name: string; owner: string | null }) => [s.owner, s.name])).toEqual([
      ["acme", "team"], [null, "mixed"], [null, "ops"],
    ]);
  });

  it("moves plans and managed keys along, so the next plan of each stack has no changes", async () => {
    const team = await h.as(manager).get("/v1/stacks/team");
    expect(team.status).toBe(200);
    expect(team.body.plans).toHaveLength(1);
    const key = (await h.as().get("/v1/accounts/acme/keys?status=active")).body.keys.find((k: { name: string }) => k.name === "team-a");
    expect(key).toMatchObject({ managed_by_stack: "team", managed_by_stack_owner: "acme" });
    const again = await h.as(manager).post("/v1/stacks/team/plans", { config: cfg("team", { a: { name: "team-a" } }) });
    expect(again.body).toMatchObject({ has_changes: false, stack: "team", owner: "acme" });
    const ops = await h.as().post("/v1/stacks/ops/plans", { config: cfg("ops", { b: { name: "ops-b" } }) });
    expect(ops.body).toMatchObject({ has_changes: false, owner: null });
  });
});
