import { createInterface } from "node:readline/promises";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { quoted, safeJson, safeLine } from "../../reconciler/render/safe-text";
import { connect, KeyformError, NO_TOKEN, resolveEndpoint, type KeyformClient } from "../client";
import { CliError, out, warn, type CliIO } from "../io";
import { ensureOutputsDir, mergeOutputs, outputsKey, outputsPath, readOutputs, untrustedWarning, writeOutputs, type ApplyOutputs } from "../outputs-file";
import { PLAN_ID, readSavedPlan, writeSavedPlan } from "../saved-plan";
import { loadTfInput, providerEndpoint } from "../tf-input";
import { checkedStack, ownerQuery } from "../stack-arg";
import { collectVariables } from "../tf-vars";

interface PlanView {
  id: string;
  stack: string;
  serial: number;
  lineage: string | null;
  has_changes: boolean;
  errored: boolean;
  summary: { import: number; add: number; change: number; destroy: number };
  terraform: unknown;
}

interface PlanFlags {
  stack?: string;
  owner?: string;
  endpoint?: string;
  useConfigEndpoint?: boolean;
  out?: string;
  json?: boolean;
  markdown?: boolean;
  detailedExitcode?: boolean;
  replace?: string[];
  target?: string[];
  destroy?: boolean;
  var?: string[];
  varFile?: string[];
}

interface ApplyResult {
  serial: number;
  stack: string;
  summary: PlanView["summary"];
  resources: Array<{ address: string; action: string; key_id: string | null; secret?: string }>;
  outputs: ApplyOutputs;
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
async function makePlan(io: CliIO, pathArg: string | undefined, o: PlanFlags) {
  const input = loadTfInput(io.cwd, pathArg, o.stack);
  const stack = checkedStack(input.stack, quoted(input.source));
  const owner = ownerQuery(o.owner);
  const variables = collectVariables(io.cwd, io.env, input.config, { vars: o.var ?? [], varFiles: o.varFile ?? [] }, (text) => warn(io, text));
  const client = clientFor(io, o, input.config);
  try {
    const plan = await client.request<PlanView>("POST", `/v1/stacks/${encodeURIComponent(stack)}/plans${owner}`, {
      config: input.config, destroy: o.destroy || undefined, replace: o.replace, target: o.target,
      ...(Object.keys(variables).length ? { variables } : {}),
    });
    return { plan, client, stack, failed: false };
  } catch (err) {
    const planId = err instanceof KeyformError && err.code === "PLAN_FAILED" ? (err.body as { plan_id?: string }).plan_id : undefined;
    if (!planId) throw err;
    const plan = ((err as KeyformError).body as { plan: PlanView }).plan;
    return { plan, client, stack, failed: true };
  }
}

async function printPlan(io: CliIO, client: KeyformClient, plan: PlanView, o: PlanFlags): Promise<void> {
  if (!PLAN_ID.test(String(plan.id))) throw new CliError("the server answered with a malformed plan id");
  if (o.json) return out(io, safeJson(plan.terraform));
  out(io, await client.text(`/v1/plans/${plan.id}?format=${o.markdown ? "markdown" : "text"}`));
}

async function confirm(io: CliIO): Promise<boolean> {
  if (!io.stdin.isTTY) throw new CliError("apply needs confirmation but there is no terminal: pass --auto-approve (or apply a saved plan with --plan).");
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    out(io, "\nDo you want to perform these actions?\n  keyform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n");
    return (await rl.question("  Enter a value: ")).trim() === "yes";
  } finally {
    rl.close();
  }
}

/**
 * Everything that can fail about keeping an apply's outputs — the outputs key, a private
 * `.keyform/outputs`, the earlier file — is checked before the apply, whose secrets come only once.
 */
function prepareOutputs(io: CliIO, stack: string, outputsFile: string | undefined) {
  const key = outputsKey(io.env);
  ensureOutputsDir(io.cwd);
  const path = outputsPath(io.cwd, stack);
  const previous = readOutputs(path, key);
  const warning = untrustedWarning(path, previous);
  if (warning) warn(io, warning);
  const extra = outputsFile ? resolve(io.cwd, outputsFile) : undefined;
  if (extra) mkdirSync(dirname(extra), { recursive: true, mode: 0o700 });
  return (applied: ApplyOutputs) => {
    const merged = mergeOutputs(previous.outputs, applied);
    writeOutputs(path, merged, key);
    if (extra) writeOutputs(extra, merged, key);
  };
}

const DONE: Record<string, string> = {
  create: "Creation complete", replace: "Replacement complete", update: "Modifications complete", delete: "Destruction complete",
  import: "Import complete", move: "Move complete", forget: "Removed from state",
};

function printApplied(io: CliIO, r: ApplyResult): void {
  const done = r.resources.filter((x) => DONE[x.action]);
  if (done.length) out(io, "");
  for (const x of done) out(io, `${safeLine(String(x.address))}: ${DONE[x.action]}${x.key_id ? ` [id=${safeLine(String(x.key_id))}]` : ""}`);
  const s = r.summary;
  out(io, `\nApply complete! Resources: ${s.import ? `${Number(s.import)} imported, ` : ""}${Number(s.add)} added, ${Number(s.change)} changed, ${Number(s.destroy)} destroyed.`);
  const names = Object.keys(r.outputs);
  if (names.length) {
    out(io, "\nOutputs:\n\n");
    for (const name of names) {
      const v = r.outputs[name];
      out(io, `${safeLine(name)} = ${v.sensitive ? "<sensitive>" : safeJson(v.value ?? null)}`);
    }
  }
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** What to plan, and how: shared by `plan` and `apply`. */
function planArguments(c: Command): Command {
  return c
    .argument("[path]", "cdktf.out | cdktf.out/stacks/NAME | FILE.tf.json (default ./cdktf.out)")
    .option("--stack <name>", "stack name (default: the config's //.metadata.stackName)")
    .option("--owner <account>", "operator only: the account whose stack this is (stacks live in their owner's namespace)")
    .option("--endpoint <url>", "keyform server, the only place KEYFORM_TOKEN is sent (default KEYFORM_ENDPOINT, else http://127.0.0.1:8080)")
    .option("--use-config-endpoint", "send the token to the provider block's endpoint when neither --endpoint nor KEYFORM_ENDPOINT is set (trust the configuration)")
    .option("--replace <address>", "force replacement of this resource (repeatable)", collect)
    .option("--target <address>", "limit the plan to this resource (repeatable)", collect)
    .option("--destroy", "plan to destroy everything in the stack")
    .option("--var <name=value>", "set an input variable (repeatable; also -var as in terraform)", collect)
    .option("--var-file <file>", "read input variables from a .tfvars.json file (repeatable; also -var-file)", collect);
}

export function registerPlanApply(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
  planArguments(program.command("plan").description("Plan a cdktf.out folder, one stack folder or a *.tf.json file against the keyform server"))
    .option("--out <file>", "save {plan_id, endpoint, stack, lineage, serial} for `keyform apply --plan`")
    .option("--json", "print Terraform's JSON plan format")
    .option("--markdown", "print a pull-request comment")
    .option("--detailed-exitcode", "exit 0 without changes, 2 with changes, 1 on error")
    .action((path: string | undefined, o: PlanFlags) =>
      run(async () => {
        const { plan, client, stack, failed } = await makePlan(io, path, o);
        await printPlan(io, client, plan, o);
        if (failed) return 1;
        if (o.out) {
          writeSavedPlan(resolve(io.cwd, o.out), { plan_id: plan.id, endpoint: client.endpoint, stack, lineage: plan.lineage, serial: plan.serial });
          if (!o.json) out(io, `\nSaved the plan to ${safeLine(o.out)}. To apply exactly these actions, run: keyform apply --plan ${safeLine(o.out)}`);
        }
        return o.detailedExitcode && plan.has_changes ? 2 : 0;
      }),
    );

  planArguments(program.command("apply").description("Plan and apply a configuration, or apply a saved plan"))
    .option("--plan <file|id>", "apply a saved plan (a file written by `plan --out`, or a plan id with --stack)")
    .option("--auto-approve", "do not ask for confirmation")
    .option("--outputs-file <file>", "also write the outputs (secrets included, mode 0600) here")
    .action((path: string | undefined, o: PlanFlags & { plan?: string; autoApprove?: boolean; outputsFile?: string }) =>
      run(async () => {
        let planId: string;
        let client: KeyformClient;
        let keep: ReturnType<typeof prepareOutputs>;
        if (o.plan) {
          if (!io.env.KEYFORM_TOKEN) throw new CliError(NO_TOKEN);
          const { endpoint } = resolveEndpoint(io.env, { flag: o.endpoint });
          const file = resolve(io.cwd, o.plan);
          let stack: string;
          if (existsSync(file)) {
            const saved = readSavedPlan(file);
            if (saved.endpoint !== endpoint) {
              throw new CliError(
                `${quoted(o.plan)} was planned against ${quoted(saved.endpoint)}, but KEYFORM_TOKEN goes only to ${endpoint} (from --endpoint, KEYFORM_ENDPOINT or the default). Nothing was sent. If you trust that server, run again with --endpoint ${quoted(saved.endpoint)}.`,
              );
            }
            planId = saved.plan_id;
            stack = checkedStack(o.stack ?? saved.stack, quoted(o.plan));
          } else if (PLAN_ID.test(o.plan)) {
            if (!o.stack) throw new CliError(`Applying plan ${o.plan} by id needs --stack NAME (the stack whose outputs this apply keeps): keyform apply --plan ${o.plan} --stack NAME`);
            planId = o.plan;
            stack = checkedStack(o.stack, "--stack");
          } else throw new CliError(`--plan ${quoted(o.plan)} is neither a saved plan file nor a plan id`);
          client = connect(endpoint, io.env.KEYFORM_TOKEN);
          keep = prepareOutputs(io, stack, o.outputsFile);
        } else {
          const made = await makePlan(io, path, o);
          keep = prepareOutputs(io, made.stack, o.outputsFile);
          await printPlan(io, made.client, made.plan, o);
          if (made.failed) return 1;
          client = made.client;
          planId = made.plan.id;
          if (!made.plan.has_changes && Object.keys((made.plan.terraform as { output_changes?: object }).output_changes ?? {}).length === 0) {
            out(io, "\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.");
            return 0;
          }
          if (!o.autoApprove && !(await confirm(io))) {
            out(io, "\nApply cancelled.");
            return 1;
          }
        }
        const result = await client.request<ApplyResult>("POST", `/v1/plans/${planId}/apply`, {});
        keep(result.outputs ?? {});
        printApplied(io, result);
        return 0;
      }),
    );
}
