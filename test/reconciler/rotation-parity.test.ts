import { ApiKeyResource } from "../../provider/plugin/api-key.resource";
import { isUnknown, type ObjectValue } from "../../provider/plugin/cty";
import { apiKeySchema } from "../../provider/plugin/schema";
import { currentWith, DAY, NOW, planFor, step } from "./fixtures";

/**
 * The same configuration and key age give the same rotation decision on both paths: keyform's
 * reconciler (plan()) and the Terraform provider's PlanResourceChange.
 */
type Verdict = "replace" | "regenerate in place" | "nothing";

function reconcilerVerdict(args: Record<string, string>, ageDays: number): Verdict {
  const cur = currentWith([{ address: "keyform_api_key.k", name: "k", type: (args.type ?? "live") as "live", createdAt: NOW - ageDays * DAY, ...args }]);
  const c = step(planFor({ k: { name: "k", ...args } }, cur), "keyform_api_key.k");
  return c.action === "replace" ? "replace" : c.regenerate ? "regenerate in place" : "nothing";
}

function providerVerdict(args: Record<string, string>, ageDays: number): Verdict {
  const resource = new ApiKeyResource({ client: () => { throw new Error("planning calls no server"); }, account: "acme", now: () => NOW });
  const blank = (): ObjectValue => Object.fromEntries(apiKeySchema.attributes.map((a) => [a.tfName, null]));
  const config: ObjectValue = { ...blank(), name: "k", ...args };
  const prior: ObjectValue = {
    ...blank(), ...args, id: "key_000000000000000000000000", name: "k", type: args.type ?? "live", account: "acme", scopes: [], expires_in: "never",
    created_at: new Date(NOW - ageDays * DAY).toISOString(), masked: "kf_live_abcd…wxyz",
  };
  const result = resource.plan(prior, { ...prior, ...config }, config, { write_only_attributes_allowed: true });
  expect(result.diagnostics.filter((d) => d.severity === "ERROR")).toEqual([]);
  return result.requiresReplace.length ? "replace" : isUnknown(result.planned!.masked) ? "regenerate in place" : "nothing";
}

describe("rotation: the reconciler and the provider decide alike", () => {
  it.each([
    [{ rotate_every: "7d" }, 8, "replace"],
    [{ rotate_every: "7d" }, 6, "nothing"],
    [{ rotate_every: "7d", rotation_overlap: "12h" }, 8, "regenerate in place"],
    [{ rotate_every: "7d", rotation_overlap: "12h" }, 6, "nothing"],
    [{ rotate_every: "30d", rotation_overlap: "24h" }, 30, "regenerate in place"],
    [{ rotation_overlap: "1h" }, 400, "nothing"],
    [{ type: "temp", rotate_every: "1h" }, 1, "nothing"],
  ] as Array<[Record<string, string>, number, Verdict]>)("%j on a key %i days old: %s", (args, age, expected) => {
    expect({ reconciler: reconcilerVerdict(args, age), provider: providerVerdict(args, age) }).toEqual({ reconciler: expected, provider: expected });
  });
});
