import type { Command } from "commander";
import { safeJson, safeLine } from "../../../reconciler/render/safe-text";
import { out, type CliIO, type RunCommand } from "../../io";
import { account, client, common, type Common } from "./common";

/** `keyform keys revoke`: revoke a key. */
export function registerKeysRevoke(keys: Command, io: CliIO, run: RunCommand): void {
  common(keys.command("revoke").description("Revoke a key").argument("<id>"))
    .action((id: string, o: Common) =>
      run(async () => {
        await client(io, o).request("DELETE", `/v1/accounts/${account(io, o)}/keys/${encodeURIComponent(id)}`);
        out(io, o.json ? safeJson({ revoked: id }) : `Revoked ${safeLine(id)}.`);
      }),
    );
}
