import { TerraformStack, Testing } from "cdktf";
import type { Construct } from "constructs";
import { KeyformProvider } from "../../provider";

/** Terraform JSON as `Testing.synthScope` writes it (metadata `//` keys removed). */
export type TfJson = Record<string, any>;

export function synthJson(build: (stack: Construct) => void): TfJson {
  return JSON.parse(Testing.synthScope(build));
}

/** Synthesizes a stack built by `build`, running construct validations as `cdktf synth` does. */
export function synthValidated(build: (stack: Construct) => void): TfJson {
  const stack = new TerraformStack(Testing.app(), "stack");
  build(stack);
  return JSON.parse(Testing.synth(stack, true));
}

/** Every object key and string value anywhere in a JSON document, with its path. */
export function* walk(value: unknown, path = "$"): Generator<{ path: string; key?: string; value: unknown }> {
  yield { path, value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* walk(value[i], `${path}[${i}]`);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      yield { path: `${path}.${k}`, key: k, value: v };
      yield* walk(v, `${path}.${k}`);
    }
  }
}

/** The provider block most tests use: account acme on a local server. */
export function acmeProvider(scope: Construct): KeyformProvider {
  return new KeyformProvider(scope, "keyform", { endpoint: "http://127.0.0.1:8080", account: "acme" });
}
