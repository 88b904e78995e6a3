/**
 * keyform's JSON plan (`GET /v1/plans/:id?format=json`) against what real Terraform writes
 * (`terraform show -json PLANFILE`) for the same changes made through keyform's own provider plugin.
 *
 * Two keyform servers on 127.0.0.1 (SQLite), each with account `acme`: one is driven by real
 * `terraform` 1.11 with terraform-provider-keyform installed (as test/tfplugin/terraform-cli.test.ts
 * installs it), the other by keyform's reconciler over REST. Each step writes the same Terraform JSON
 * configuration to both, plans, captures both JSON plans, then applies both plans so the next step starts
 * from the same state on both sides. Terraform's output is captured at test time, never from fixtures.
 *
 * Normalisations (applied to both documents alike; everything else must be equal, field by field):
 *  1. `terraform_version` (top level and in `prior_state`) and `timestamp`: the version of the binary and
 *     the plan's time.
 *  2. Key ids (`key_` + 24 characters): generated per run and per server; each distinct id becomes
 *     `<key-N>`, numbered in order of first appearance (object keys visited in sorted order).
 *  3. RFC 3339 times (`created_at`, `expires_at`, …): generated per run; each becomes `<time>`.
 *  4. Masked secrets (`kf_live_Tg2c…KiON`): derived from a per-run secret; each becomes `<masked>`.
 *  5. Secret values: Terraform writes a known secret wherever it appears (a resource's `secret` in
 *     before/after/values, a sensitive output's `value`, `before`, `after`), marked in the `*_sensitive`
 *     shapes, and `secret: null` for an imported key (the provider never sees its secret). keyform never
 *     holds a secret in a plan (DESIGN: plans and state are without secrets), so it never writes a
 *     resource's `secret` nor a secret's value; the normaliser drops every member whose value is a keyform
 *     secret (`kf_live_` + 36 characters) and every `secret` member that is not a boolean mark (the
 *     `*_sensitive` and `after_unknown` shapes keep theirs). keyform's document must hold no secret at
 *     all (asserted separately).
 *  6. `relevant_attributes` is sorted: Terraform collects it through a Go map and writes it in an order
 *     that changes from run to run (seen: id, name, secret and name, id, secret for the same plan).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installProvider } from "../../provider/plugin/install";
import { ADMIN_TOKEN, Harness } from "../support/harness";
import { ok, runTerraform, TERRAFORM } from "../tfplugin/terraform-runner";

jest.setTimeout(600_000);

const SECRET = /^kf_live_[0-9A-Za-z]{36}$/;
const KEY_ID = /^key_[0-9A-Za-z]{24}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MASKED = /^kf_(live|temp)_[0-9A-Za-z]{4}…[0-9A-Za-z]{4}$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The normalisations listed above, on a copy. */
export function normalise(doc: Json): Json {
  const ids = new Map<string, string>();
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, Json> = {};
      for (const k of Object.keys(v).sort()) {
        const x = v[k];
        if (typeof x === "string" && SECRET.test(x)) continue; // 5
        if (k === "secret" && typeof x !== "boolean") continue; // 5
        out[k] = walk(x);
      }
      return out;
    }
    if (typeof v !== "string") return v;
    if (KEY_ID.test(v)) {
      if (!ids.has(v)) ids.set(v, `<key-${ids.size + 1}>`);
      return ids.get(v)!;
    }
    if (TIME.test(v)) return "<time>";
    if (MASKED.test(v)) return "<masked>";
    return v;
  };
  const out = walk(doc) as Record<string, Json>;
  if (Array.isArray(out.relevant_attributes)) out.relevant_attributes = [...out.relevant_attributes].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)); // 6
  delete out.terraform_version;
  delete out.timestamp;
  if (out.prior_state && typeof out.prior_state === "object") delete (out.prior_state as Record<string, Json>).terraform_version;
  return out;
}

function secretsIn(v: unknown, path = "$", found: string[] = []): string[] {
  if (typeof v === "string" && SECRET.test(v)) found.push(path);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) secretsIn(x, `${path}.${k}`, found);
  return found;
}

async function listen(h: Harness): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = await new Promise((res) => {
    const s = createServer(h.app).listen(0, "127.0.0.1", () => res(s));
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
    },
  };
}

interface Step {
  name: string;
  /** The configuration, given the ids of keys this world created out of band (for import blocks). */
  config(world: World): Record<string, unknown>;
  /** Out-of-band changes made through the REST API before the plan, on each server alike. */
  before?(world: World): Promise<void>;
  /** Addresses to replace (`terraform plan -replace`, the REST plan's `replace`). */
  replace?: string[];
}

interface World {
  h: Harness;
  ids: Record<string, string>;
}

const base = (resources: Record<string, unknown>, outputs: boolean, extra: Record<string, unknown> = {}) => ({
  terraform: { required_providers: { keyform: { source: "keyform/keyform", version: "0.1.0" } } },
  provider: { keyform: [{ account: "acme" }] },
  resource: { keyform_api_key: resources },
  ...(outputs
    ? {
        output: {
          ci_id: { value: "${keyform_api_key.ci.id}" },
          ci_name: { value: "${keyform_api_key.ci.name}" },
          ci_secret: { value: "${keyform_api_key.ci.secret}", sensitive: true },
        },
      }
    : {}),
  ...extra,
});

const ci1 = { name: "ci-deploy", scopes: ["keys:read", "alerts:send"], expires_in: "90d" };
const ci2 = { name: "ci-deploy-2", scopes: ["keys:verify", "alerts:send", "keys:read"], expires_in: "90d" };
const legacy = { name: "legacy", scopes: ["keys:read"] };

const STEPS: Step[] = [
  { name: "create", config: () => base({ ci: ci1 }, true) },
  { name: "update", config: () => base({ ci: ci2 }, true) },
  { name: "replace", config: () => base({ ci: ci2 }, true), replace: ["keyform_api_key.ci"] },
  {
    name: "import",
    before: async (w) => {
      const res = await w.h.as().post("/v1/accounts/acme/keys", { name: "legacy", scopes: ["keys:read"] });
      if (res.status !== 201) throw new Error(`legacy key: ${res.status} ${JSON.stringify(res.body)}`);
      w.ids.legacy = res.body.key.id;
    },
    config: (w) => base({ ci: ci2, legacy }, true, { import: [{ id: w.ids.legacy, to: "keyform_api_key.legacy" }] }),
  },
  {
    name: "drift",
    before: async (w) => {
      // the legacy key is revoked out of band: both plans see it deleted and create it again
      const res = await w.h.as().delete(`/v1/accounts/acme/keys/${w.ids.legacy}`);
      if (res.status !== 204) throw new Error(`revoke legacy: ${res.status} ${JSON.stringify(res.body)}`);
    },
    config: () => base({ ci: ci2, legacy }, true),
  },
  { name: "delete", config: () => base({ ci: ci2 }, true) },
];

const captured = new Map<string, { keyform: Json; terraform: Json }>();
let failure: Error | null = null;

describe("keyform's JSON plan is the one real terraform show -json writes for the same changes", () => {
  let tfWorld: World;
  let kfWorld: World;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    if (!TERRAFORM) return;
    const dirs = [mkdtempSync(join(tmpdir(), "kf-parity-home-")), mkdtempSync(join(tmpdir(), "kf-parity-work-"))];
    closers.push(async () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    const [home, work] = dirs;
    const [tfH, kfH] = [await Harness.start("sqlite"), await Harness.start("sqlite")];
    closers.push(() => tfH.close(), () => kfH.close());
    for (const h of [tfH, kfH]) for (const a of ["acme"]) await h.account(a);
    const tf = await listen(tfH);
    closers.push(() => tf.close());
    tfWorld = { h: tfH, ids: {} };
    kfWorld = { h: kfH, ids: {} };
    writeFileSync(join(home, ".terraformrc"), "");
    installProvider({ version: "0.1.0", home });
    const terraform = (args: string[]) => runTerraform(args, { cwd: work, env: { HOME: home, KEYFORM_TOKEN: ADMIN_TOKEN, KEYFORM_ENDPOINT: tf.endpoint } });
    try {
      let initialised = false;
      for (const step of STEPS) {
        await step.before?.(tfWorld);
        await step.before?.(kfWorld);
        writeFileSync(join(work, "main.tf.json"), JSON.stringify(step.config(tfWorld), null, 2));
        if (!initialised) ok(await terraform(["init", "-no-color"]));
        initialised = true;
        ok(await terraform(["plan", "-no-color", "-out", "step.tfplan", ...(step.replace ?? []).map((a) => `-replace=${a}`)]));
        const terraformDoc = JSON.parse(ok(await terraform(["show", "-json", "step.tfplan"])).stdout) as Json;

        const planned = await kfH.as().post("/v1/stacks/parity/plans", { config: step.config(kfWorld), ...(step.replace ? { replace: step.replace } : {}) });
        if (planned.status !== 201) throw new Error(`${step.name}: keyform plan ${planned.status} ${JSON.stringify(planned.body)}`);
        const shown = await kfH.as().get(`/v1/plans/${planned.body.id}?format=json`);
        if (shown.status !== 200) throw new Error(`${step.name}: GET plan ${shown.status} ${JSON.stringify(shown.body)}`);
        captured.set(step.name, { keyform: shown.body as Json, terraform: terraformDoc });

        ok(await terraform(["apply", "-no-color", "step.tfplan"]));
        const applied = await kfH.as().post(`/v1/plans/${planned.body.id}/apply`, {});
        if (applied.status !== 200) throw new Error(`${step.name}: keyform apply ${applied.status} ${JSON.stringify(applied.body)}`);
      }
    } catch (err) {
      failure = err as Error;
    }
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  it("has terraform to compare with (CI installs terraform 1.11; this test fails, never skips, without it)", () => {
    expect(TERRAFORM).toBeDefined();
    if (failure) throw failure;
  });

  it.each(STEPS.map((s) => s.name))("%s: same document, field by field", (name) => {
    if (!TERRAFORM) throw new Error("terraform is not installed (/usr/local/bin/terraform or on PATH): nothing to compare keyform's plan with");
    const c = captured.get(name);
    if (!c) throw failure ?? new Error(`${name}: not captured`);
    if (process.env.PARITY_DUMP) {
      writeFileSync(join(process.env.PARITY_DUMP, `${name}.tf.json`), JSON.stringify(normalise(c.terraform), null, 2));
      writeFileSync(join(process.env.PARITY_DUMP, `${name}.kf.json`), JSON.stringify(normalise(c.keyform), null, 2));
    }
    expect(secretsIn(c.keyform)).toEqual([]);
    expect(normalise(c.keyform)).toEqual(normalise(c.terraform));
  });
});
