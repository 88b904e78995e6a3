import { createInterface } from "node:readline/promises";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { quoted, safeJson, safeLine } from "../../reconciler/render/safe-text";
import { connect, NO_TOKEN, resolveEndpoint, type KeyformClient } from "../client";
import { CliError, out, warn, type CliIO, type RunCommand } from "../io";
import { ensureOutputsDir, mergeOutputs, outputsKey, outputsPath, readOutputs, untrustedWarning, writeOutputs, type ApplyOutputs } from "../outputs-file";
import { makePlan, planArguments, printPlan, type PlanFlags, type PlanView } from "../plan-request";
import { PLAN_ID, readSavedPlan } from "../saved-plan";
import { checkedStack } from "../stack-arg";

interface ApplyResult {
  serial: number;
  stack: string;
  summary: PlanView["summary"];
  resources: Array<{ address: string; action: string; key_id: string | null; secret?: string }>;
  outputs: ApplyOutputs;
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

/** `keyform apply`: plan and apply a configuration (after confirmation), or apply a saved plan; keeps the outputs. */
export function registerApply(program: Command, io: CliIO, run: RunCommand): void {
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
