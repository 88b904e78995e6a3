import type { Command } from "commander";
import { quoted, safeJson } from "../reconciler/render/safe-text";
import { connect, KeyformError, NO_TOKEN, resolveEndpoint, type KeyformClient } from "./client";
import { CliError, out, warn, type CliIO } from "./io";
import { PLAN_ID } from "./saved-plan";
import { checkedStack, ownerQuery } from "./stack-arg";
import type { Target } from "./stack-target";
import { loadTfInput, providerEndpoint } from "./tf-input";

/** What `keyform plan` and `keyform apply` share: the plan request, its flags, and printing the plan. */

export interface PlanView {
  id: string;
  stack: string;
  serial: number;
  lineage: string | null;
  has_changes: boolean;
  errored: boolean;
  summary: { import: number; add: number; change: number; destroy: number };
  terraform: unknown;
}

/** The stack and server options (as `state`'s), and what to plan and print. */
export interface PlanFlags extends Target {
  out?: string;
  json?: boolean;
  markdown?: boolean;
  detailedExitcode?: boolean;
  replace?: string[];
  target?: string[];
  destroy?: boolean;
}

/** The client for a configuration: the endpoint the user chose; the configuration's only if it is the same, or with --use-config-endpoint. */
function clientFor(io: CliIO, o: PlanFlags, config: Record<string, unknown>): KeyformClient {
  if (!io.env.KEYFORM_TOKEN) throw new CliError(NO_TOKEN);
  const r = resolveEndpoint(io.env, { flag: o.endpoint, configEndpoint: providerEndpoint(config), useConfigEndpoint: o.useConfigEndpoint });
  if (r.ignoredConfigEndpoint !== undefined) {
    warn(io, `Note: using ${r.endpoint}, not the provider block's endpoint ${quoted(r.ignoredConfigEndpoint)} (set KEYFORM_ENDPOINT or --endpoint; --use-config-endpoint trusts the configuration's).`);
  }
  return connect(r.endpoint, io.env.KEYFORM_TOKEN);
}

/** Plans a configuration on the server; returns the stored plan, the client that made it and the stack. */
export async function makePlan(io: CliIO, pathArg: string | undefined, o: PlanFlags) {
  const input = loadTfInput(io.cwd, pathArg, o.stack);
  const stack = checkedStack(input.stack, quoted(input.source));
  const owner = ownerQuery(o.owner);
  const client = clientFor(io, o, input.config);
  try {
    const plan = await client.request<PlanView>("POST", `/v1/stacks/${encodeURIComponent(stack)}/plans${owner}`, {
      config: input.config, destroy: o.destroy || undefined, replace: o.replace, target: o.target,
    });
    return { plan, client, stack, failed: false };
  } catch (err) {
    const planId = err instanceof KeyformError && err.code === "PLAN_FAILED" ? (err.body as { plan_id?: string }).plan_id : undefined;
    if (!planId) throw err;
    const plan = ((err as KeyformError).body as { plan: PlanView }).plan;
    return { plan, client, stack, failed: true };
  }
}

export async function printPlan(io: CliIO, client: KeyformClient, plan: PlanView, o: PlanFlags): Promise<void> {
  if (!PLAN_ID.test(String(plan.id))) throw new CliError("the server answered with a malformed plan id");
  if (o.json) return out(io, safeJson(plan.terraform));
  out(io, await client.text(`/v1/plans/${plan.id}?format=${o.markdown ? "markdown" : "text"}`));
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** What to plan, and how: shared by `plan` and `apply`. */
export function planArguments(c: Command): Command {
  return c
    .argument("[path]", "cdktf.out | cdktf.out/stacks/NAME | FILE.tf.json (default ./cdktf.out)")
    .option("--stack <name>", "stack name (default: the config's //.metadata.stackName)")
    .option("--owner <account>", "operator only: the account whose stack this is (stacks live in their owner's namespace)")
    .option("--endpoint <url>", "keyform server, the only place KEYFORM_TOKEN is sent (default KEYFORM_ENDPOINT, else http://127.0.0.1:8080)")
    .option("--use-config-endpoint", "send the token to the provider block's endpoint when neither --endpoint nor KEYFORM_ENDPOINT is set (trust the configuration)")
    .option("--replace <address>", "force replacement of this resource (repeatable)", collect)
    .option("--target <address>", "limit the plan to this resource (repeatable)", collect)
    .option("--destroy", "plan to destroy everything in the stack");
}

