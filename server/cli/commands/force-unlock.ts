import type { Command } from "commander";
import { safeLine } from "../../reconciler/render/safe-text";
import { out, type CliIO, type RunCommand } from "../io";
import { target, targetOptions, type Target } from "../stack-target";

/** `keyform force-unlock LOCK_ID`: release a stack lock left by a crashed operation. */
export function registerForceUnlock(program: Command, io: CliIO, run: RunCommand): void {
  targetOptions(program.command("force-unlock").description("Release a stack lock left by a crashed operation").argument("<lock_id>"))
    .action((lockId: string, o: Target) =>
      run(async () => {
        const { stack, owner, client } = target(io, o);
        await client.request("DELETE", `/v1/stacks/${encodeURIComponent(stack)}/lock${owner}`, { lock_id: lockId });
        out(io, `keyform state has been successfully unlocked! (stack ${stack}, lock ${safeLine(lockId)})`);
      }),
    );
}
