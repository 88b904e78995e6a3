import type { Command } from "commander";
import type { CliIO, RunCommand } from "../../io";
import { registerKeysCreate } from "./create";
import { registerKeysList } from "./list";
import { registerKeysShow } from "./show";
import { registerKeysRevoke } from "./revoke";
import { registerKeysRegenerate } from "./regenerate";
import { registerKeysRevokeAll } from "./revoke-all";

/** `keyform keys …`: manage API keys by hand, one file a subcommand. */
export function registerKeys(program: Command, io: CliIO, run: RunCommand): void {
  const keys = program.command("keys").description("Manage API keys by hand");
  registerKeysCreate(keys, io, run);
  registerKeysList(keys, io, run);
  registerKeysShow(keys, io, run);
  registerKeysRevoke(keys, io, run);
  registerKeysRegenerate(keys, io, run);
  registerKeysRevokeAll(keys, io, run);
}
