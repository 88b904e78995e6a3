import { resolve } from "node:path";
import type { Command } from "commander";
import { safeLine } from "../../reconciler/render/safe-text";
import { out, type CliIO, type RunCommand } from "../io";
import { makePlan, planArguments, printPlan, type PlanFlags } from "../plan-request";
import { writeSavedPlan } from "../saved-plan";

/** `keyform plan`: plan a configuration on the server, print it, optionally save it for `apply --plan`. */
export function registerPlan(program: Command, io: CliIO, run: RunCommand): void {
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
}
