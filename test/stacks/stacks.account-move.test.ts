import { Harness } from "../support/harness";
import { STORE_KINDS } from "../support/db";

const cfg = (account: string) => ({
  "//": { metadata: { stackName: "moving" } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: { ci: { name: "ci", account, scopes: ["deploy:write"] } } },
});

describe.each(STORE_KINDS)("a key moved to another account by its configuration, on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start(kind);
    await h.account("acme");
    await h.account("beta");
  });
  afterAll(() => h.close());

  const names = async (account: string) =>
    ((await h.as().get(`/v1/accounts/${account}/keys?status=active`)).body.keys as Array<{ name: string }>).map((k) => k.name);

  it("is replaced: the apply revokes the old account's key and creates the new one, both accounts under lock", async () => {
    const first = await h.as().post("/v1/stacks/moving/plans", { config: cfg("acme") });
    expect((await h.as().post(`/v1/plans/${first.body.id}/apply`, {})).status).toBe(200);
    expect(await names("acme")).toEqual(["ci"]);

    const move = await h.as().post("/v1/stacks/moving/plans", { config: cfg("beta") });
    expect(move.status).toBe(201);
    expect(move.body.summary).toMatchObject({ add: 1, destroy: 1 });
    const applied = await h.as().post(`/v1/plans/${move.body.id}/apply`, {});
    expect(applied.status === 200 ? 200 : applied.body).toBe(200);
    expect(await names("acme")).toEqual([]);
    expect(await names("beta")).toEqual(["ci"]);
  });
});
