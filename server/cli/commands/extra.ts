import type { Command } from "commander";
import type { CliIO } from "../io";

/** Commands of other modules (plan, apply, output, state, provider) register here. */
export function registerExtraCommands(_program: Command, _io: CliIO, _run: (fn: () => Promise<number | void>) => void): void {}
