import type { Command } from "commander";
import type { CliIO } from "../io";
import { registerOutput } from "./output";
import { registerPlanApply } from "./plan-apply";
import { registerState } from "./state";

/** The declarative side's commands: plan, apply, output, state, force-unlock. */
export function registerExtraCommands(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
  registerPlanApply(program, io, run);
  registerOutput(program, io, run);
  registerState(program, io, run);
}
