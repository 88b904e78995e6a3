import type { Command } from "commander";
import type { CliIO, RunCommand } from "../../io";
import { registerStateList } from "./list";
import { registerStateShow } from "./show";

/** `keyform state …`: read a stack's state (never secrets), one file a subcommand. */
export function registerState(program: Command, io: CliIO, run: RunCommand): void {
  const state = program.command("state").description("Read a stack's state (never secrets)");
  registerStateList(state, io, run);
  registerStateShow(state, io, run);
}
