import type { Command } from "commander";
import { safeLine } from "../../../reconciler/render/safe-text";
import { out, type CliIO, type RunCommand } from "../../io";
import { addressOf, target, targetOptions, type Target, type TfState } from "../../stack-target";

/** `keyform state list`: the addresses of a stack's resource instances. */
export function registerStateList(state: Command, io: CliIO, run: RunCommand): void {
  targetOptions(state.command("list"))
    .action((o: Target) =>
      run(async () => {
        const { stack, owner, client } = target(io, o);
        const s = await client.request<TfState>("GET", `/v1/stacks/${encodeURIComponent(stack)}/state${owner}`);
        for (const r of s.resources) for (const i of r.instances) out(io, safeLine(addressOf(r, i)));
      }),
    );
}
