import { planInputs } from "../../server/reconciler/plan-inputs";
import { parseConfig } from "../../server/reconciler/tf-config.parser";
import { currentWith, keyId, tfConfig } from "./fixtures";

test("planInputs lists the accounts, key ids and lookups a plan needs", () => {
  const desired = parseConfig(
    tfConfig(
      { a: { name: "a" }, b: { name: "b", account: "beta" } },
      {
        import: [{ id: keyId("imp"), to: "keyform_api_key.a" }],
        data: { keyform_api_key: { byname: { name: "shared", account: "gamma" }, byid: { id: keyId("other") } } },
      },
    ),
  );
  const state = currentWith([{ address: "keyform_api_key.old", name: "old", account: "delta" }], { accounts: { delta: {} } }).state;
  expect(planInputs(desired, state)).toEqual({
    accounts: ["acme", "beta", "delta", "gamma"],
    keyIds: [keyId("imp"), keyId("keyform_api_key.old")].sort(),
    lookupIds: [keyId("other")],
    lookupNames: ["gamma/shared"],
  });
});
