import type { StackState } from "../reconciler/reconciler.types";

export const PROVIDER_ADDRESS = 'provider["registry.terraform.io/keyform/keyform"]';

/** Splits `keyform_api_key.k["a"]` into type, name and index key. */
export function parseAddress(address: string): { type: string; name: string; index?: string | number } {
  const m = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[(?:"((?:[^"\\]|\\.)*)"|(\d+))\])?$/.exec(address);
  if (!m) return { type: "keyform_api_key", name: address };
  return { type: m[1], name: m[2], ...(m[3] !== undefined ? { index: JSON.parse(`"${m[3]}"`) as string } : m[4] !== undefined ? { index: Number(m[4]) } : {}) };
}

/**
 * The stack's state as Terraform state JSON (version 4), without secrets: `secret` is never stored, so
 * it is absent here and listed in `sensitive_attributes`.
 */
export function renderTerraformState(state: StackState, terraformVersion = "1.11.0") {
  const groups = new Map<string, { mode: string; type: string; name: string; provider: string; instances: unknown[] }>();
  for (const r of state.resources) {
    const a = parseAddress(r.address);
    const key = `${a.type}.${a.name}`;
    if (!groups.has(key)) groups.set(key, { mode: "managed", type: a.type, name: a.name, provider: PROVIDER_ADDRESS, instances: [] });
    groups.get(key)!.instances.push({
      ...(a.index !== undefined ? { index_key: a.index } : {}),
      schema_version: 0,
      attributes: { id: r.keyId, account: r.account, ...r.attributes },
      sensitive_attributes: [[{ type: "get_attr", value: "secret" }]],
      dependencies: r.dependencies,
    });
  }
  return {
    version: 4,
    terraform_version: terraformVersion,
    serial: state.serial,
    lineage: state.lineage,
    outputs: Object.fromEntries(
      Object.entries(state.outputs).map(([name, o]) => [name, o.sensitive ? { type: "string", sensitive: true } : { value: o.value, type: typeof o.value === "string" ? "string" : "dynamic" }]),
    ),
    resources: [...groups.values()],
    check_results: null,
  };
}
