import type { Command } from "commander";
import { clientFrom } from "./client";
import type { CliIO } from "./io";
import { checkedStack, ownerQuery } from "./stack-arg";
import { loadTfInput, providerEndpoint } from "./tf-input";

/** The stack a `state` or `force-unlock` command works on, and the server it asks. */

export interface TfState {
  serial: number;
  lineage: string;
  resources: Array<{ type: string; name: string; instances: Array<{ index_key?: string | number; attributes: Record<string, unknown> }> }>;
}

export interface Target {
  stack?: string;
  owner?: string;
  endpoint?: string;
  useConfigEndpoint?: boolean;
}

/** --stack, else the stack of ./cdktf.out; the endpoint is the user's (the configuration's only with --use-config-endpoint). */
export function target(io: CliIO, o: Target) {
  let stack = o.stack;
  let configEndpoint: string | undefined;
  try {
    const input = loadTfInput(io.cwd, undefined, o.stack);
    stack = stack ?? input.stack ?? undefined;
    configEndpoint = providerEndpoint(input.config);
  } catch {
    // no cdktf.out here: --stack is required
  }
  return { stack: checkedStack(stack, "this folder (no cdktf.out here)"), owner: ownerQuery(o.owner), client: clientFrom(io.env, { flag: o.endpoint, configEndpoint, useConfigEndpoint: o.useConfigEndpoint }) };
}

export const targetOptions = (c: Command) =>
  c.option("--stack <name>").option("--owner <account>", "operator only: the account whose stack this is").option("--endpoint <url>", "keyform server (default KEYFORM_ENDPOINT, else http://127.0.0.1:8080)")
    .option("--use-config-endpoint", "use the provider block's endpoint of ./cdktf.out when neither --endpoint nor KEYFORM_ENDPOINT is set");

export const addressOf = (r: TfState["resources"][number], i: TfState["resources"][number]["instances"][number]) =>
  `${r.type}.${r.name}${i.index_key === undefined ? "" : typeof i.index_key === "number" ? `[${i.index_key}]` : `[${JSON.stringify(i.index_key)}]`}`;

