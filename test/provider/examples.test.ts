import { describe, expect, it, jest } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { KeysStack } from "../../examples/basic/main";
import { LEGACY_KEY_ID, LegacyKeysStack } from "../../examples/import-legacy/main";
import { TENANTS, TenantKeysStack } from "../../examples/multi-tenant/main";
import { KEY_ID_PATTERN } from "../../provider";

const synth = (stack: import("cdktf").TerraformStack) => JSON.parse(Testing.synth(stack, true));

describe("example stacks, imported without synthesizing their apps", () => {
  it("importing an example module synthesizes nothing (app.synth() is behind require.main)", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "keyform-import-"));
    const saved = process.env.CDKTF_OUTDIR;
    process.env.CDKTF_OUTDIR = outdir;
    try {
      jest.isolateModules(() => {
        for (const dir of ["basic", "multi-tenant", "import-legacy"]) require(`../../examples/${dir}/main`);
      });
      expect(fs.readdirSync(outdir)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = saved;
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("basic: passes validation and exposes the key", () => {
    const stack = new KeysStack(Testing.app(), "keys");
    const json = synth(stack);
    expect(json.resource.keyform_api_key.ci.name).toBe("github-actions");
    expect(stack.ciKey.nameInput).toBe("github-actions");
  });

  it("multi-tenant: one instance per tenant account", () => {
    const json = synth(new TenantKeysStack(Testing.app(), "tenants"));
    expect(json.resource.keyform_api_key.tenant.for_each).toEqual(TENANTS);
    expect(Object.keys(TENANTS).length).toBeGreaterThan(1);
  });

  it("import-legacy: the imported id is a keyform key id, never the legacy UUID secret", () => {
    expect(LEGACY_KEY_ID).toMatch(new RegExp(KEY_ID_PATTERN));
    const step1 = synth(new LegacyKeysStack(Testing.app(), "legacy", { step: 1, legacyKeyId: "key_AAAAAAAAAAAAAAAAAAAAAAAA" }));
    expect(step1.import).toEqual([{ id: "key_AAAAAAAAAAAAAAAAAAAAAAAA", to: "keyform_api_key.legacy", provider: "keyform" }]);
    expect(JSON.stringify(step1)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    // The resource keeps the same arguments across the move, so the plan shows a move and no update.
    const step2 = synth(new LegacyKeysStack(Testing.app(), "legacy", { step: 2 }));
    const { partner_api } = step2.resource.keyform_api_key;
    expect(partner_api).toEqual(step1.resource.keyform_api_key.legacy);
  });

  it("import-legacy: a legacy id that is not a keyform key id fails synth", () => {
    expect(() => synth(new LegacyKeysStack(Testing.app(), "legacy", { step: 1, legacyKeyId: "dc746828-6bab-43d7-b01d-cc74eeb9759b" }))).toThrow(
      /id "dc746828-6bab-43d7-b01d-cc74eeb9759b" must be key_ followed by 24 base62 characters/,
    );
  });
});
