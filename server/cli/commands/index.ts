import type { Command } from "commander";
import { registerProviderCommands } from "../../../provider/plugin/install";
import type { CliIO, RunCommand } from "../io";
import { registerApply } from "./apply";
import { registerForceUnlock } from "./force-unlock";
import { registerKeys } from "./keys";
import { registerOutput } from "./output";
import { registerPlan } from "./plan";
import { registerServe } from "./serve";
import { registerState } from "./state";
import { registerVerify } from "./verify";

/**
 * Every command of `keyform`, one file a command (a folder a group: keys/, state/), in the order
 * `keyform --help` lists them.
 */
export function registerCommands(program: Command, io: CliIO, run: RunCommand, setExit: (p: Promise<number>) => void): void {
  registerServe(program, io, setExit);
  registerKeys(program, io, run);
  registerVerify(program, io, run);
  // The declarative side: plan, apply, output, state, force-unlock.
  registerPlan(program, io, run);
  registerApply(program, io, run);
  registerOutput(program, io, run);
  registerState(program, io, run);
  registerForceUnlock(program, io, run);
  registerProviderCommands(program, io, run);
}
