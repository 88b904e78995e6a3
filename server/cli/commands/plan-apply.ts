import { createInterface } from "node:readline/promises";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ApiError, KeyformClient, resolveEndpoint } from "../client";
import { CliError, out, type CliIO } from "../io";
import { mergeOutputs, outputsPath, readOutputs, writeOutputs, type ApplyOutputs } from "../outputs-file";
import { loadTfInput, providerEndpoint } from "../tf-input";

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
  endpoint?: string;
  out?: string;
  json?: boolean;
  markdown?: boolean;
  detailedExitcode?: boolean;
  replace?: string[];
  target?: string[];
  destroy?: boolean;
}

interface ApplyResult {
  serial: number;
  stack: string;
  summary: PlanView["summary"];
  resources: Array<{ address: string; action: string; key_id: string | null; secret?: string }>;
  outputs: ApplyOutputs;
}

function clientFor(io: CliIO, endpointFlag: string | undefined, config?: Record<string, unknown>) {
  return new KeyformClient({ endpoint: resolveEndpoint(endpointFlag, config ? providerEndpoint(config) : undefined), token: io.env.KEYFORM_TOKEN });
}

/** Plans a configuration on the server; returns the stored plan and the client that made it. */
async function makePlan(io: CliIO, pathArg: string | undefined, o: PlanFlags) {
  const input = loadTfInput(io.cwd, pathArg, o.stack);
  if (!input.stack) throw new CliError(`Cannot tell the stack name of ${input.source}: pass --stack NAME.`);
  const client = clientFor(io, o.endpoint, input.config);
  try {
    const plan = await client.request<PlanView>("POST", `/v1/stacks/${encodeURIComponent(input.stack)}/plans`, {
      config: input.config, destroy: o.destroy || undefined, replace: o.replace, target: o.target,
    });
    return { plan, client, failed: false };
  } catch (err) {
    const planId = err instanceof ApiError && err.code === "PLAN_FAILED" ? (err.body as { plan_id?: string }).plan_id : undefined;
    if (!planId) throw err;
    const plan = ((err as ApiError).body as { plan: PlanView }).plan;
    return { plan, client, failed: true };
  }
}

async function printPlan(io: CliIO, client: KeyformClient, plan: PlanView, o: PlanFlags): Promise<void> {
  if (o.json) return out(io, JSON.stringify(plan.terraform));
  const format = o.markdown ? "markdown" : "text";
  const text = await fetchText(client, `/v1/plans/${plan.id}?format=${format}`);
  out(io, text);
}

async function fetchText(client: KeyformClient, path: string): Promise<string> {
  const res = await fetch(client.endpoint + path, { headers: client.authHeaders() });
  if (!res.ok) throw new CliError(`cannot read ${path}: HTTP ${res.status}`);
  return res.text();
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

const DONE: Record<string, string> = {
  create: "Creation complete", replace: "Replacement complete", update: "Modifications complete", delete: "Destruction complete",
  import: "Import complete", move: "Move complete", forget: "Removed from state",
};

function printApplied(io: CliIO, r: ApplyResult, o: { outputsFile?: string }): void {
  const done = r.resources.filter((x) => DONE[x.action]);
  if (done.length) out(io, "");
  for (const x of done) out(io, `${x.address}: ${DONE[x.action]}${x.key_id ? ` [id=${x.key_id}]` : ""}`);
  const s = r.summary;
  out(io, `\nApply complete! Resources: ${s.import ? `${s.import} imported, ` : ""}${s.add} added, ${s.change} changed, ${s.destroy} destroyed.`);
  const path = outputsPath(io.cwd, r.stack);
  const merged = mergeOutputs(readOutputs(path), r.outputs);
  writeOutputs(path, merged);
  if (o.outputsFile) writeOutputs(resolve(io.cwd, o.outputsFile), merged);
  const names = Object.keys(r.outputs);
  if (names.length) {
    out(io, "\nOutputs:\n\n");
    for (const name of names) {
      const v = r.outputs[name];
      out(io, `${name} = ${v.sensitive ? "<sensitive>" : JSON.stringify(v.value ?? null)}`);
    }
  }
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** What to plan, and how: shared by `plan` and `apply`. */
function planArguments(c: Command): Command {
  return c
    .argument("[path]", "cdktf.out | cdktf.out/stacks/NAME | FILE.tf.json (default ./cdktf.out)")
    .option("--stack <name>", "stack name (default: the config's //.metadata.stackName)")
    .option("--endpoint <url>", "keyform server (default KEYFORM_ENDPOINT, else the provider block's endpoint)")
    .option("--replace <address>", "force replacement of this resource (repeatable)", collect)
    .option("--target <address>", "limit the plan to this resource (repeatable)", collect)
    .option("--destroy", "plan to destroy everything in the stack");
}

export function registerPlanApply(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
  planArguments(program.command("plan").description("Plan a cdktf.out folder, one stack folder or a *.tf.json file against the keyform server"))
    .option("--out <file>", "save {plan_id, endpoint, stack, lineage, serial} for `keyform apply --plan`")
    .option("--json", "print Terraform's JSON plan format")
    .option("--markdown", "print a pull-request comment")
    .option("--detailed-exitcode", "exit 0 without changes, 2 with changes, 1 on error")
    .action((path: string | undefined, o: PlanFlags) =>
      run(async () => {
        const { plan, client, failed } = await makePlan(io, path, o);
        await printPlan(io, client, plan, o);
        if (failed) return 1;
        if (o.out) {
          writeFileSync(resolve(io.cwd, o.out), JSON.stringify({ plan_id: plan.id, endpoint: client.endpoint, stack: plan.stack, lineage: plan.lineage, serial: plan.serial }, null, 2) + "\n");
          if (!o.json) out(io, `\nSaved the plan to ${o.out}. To apply exactly these actions, run: keyform apply --plan ${o.out}`);
        }
        return o.detailedExitcode && plan.has_changes ? 2 : 0;
      }),
    );

  planArguments(program.command("apply").description("Plan and apply a configuration, or apply a saved plan"))
    .option("--plan <file|id>", "apply a saved plan (a file written by `plan --out`, or a plan id)")
    .option("--auto-approve", "do not ask for confirmation")
    .option("--outputs-file <file>", "also write the outputs (secrets included, mode 0600) here")
    .action((path: string | undefined, o: PlanFlags & { plan?: string; autoApprove?: boolean; outputsFile?: string }) =>
      run(async () => {
        let planId: string;
        let client: KeyformClient;
        if (o.plan) {
          const file = resolve(io.cwd, o.plan);
          if (existsSync(file)) {
            const saved = JSON.parse(readFileSync(file, "utf8")) as { plan_id: string; endpoint?: string };
            planId = saved.plan_id;
            client = clientFor(io, o.endpoint ?? saved.endpoint);
          } else if (/^plan_[0-9A-Za-z]{24}$/.test(o.plan)) {
            planId = o.plan;
            client = clientFor(io, o.endpoint);
          } else throw new CliError(`--plan ${o.plan} is neither a saved plan file nor a plan id`);
        } else {
          const made = await makePlan(io, path, o);
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
        printApplied(io, result, o);
        return 0;
      }),
    );
}
