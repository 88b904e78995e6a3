import type { Command } from "commander";
import { safeJson } from "../../../reconciler/render/safe-text";
import { CliError, out, type CliIO, type RunCommand } from "../../io";
import { account, client, common, type Common } from "./common";

/** `keyform keys revoke-all`: revoke every key of the account (incident response). */
export function registerKeysRevokeAll(keys: Command, io: CliIO, run: RunCommand): void {
  common(keys.command("revoke-all").description("Revoke every key of the account (incident response)"))
    .option("--yes", "do not ask for confirmation")
    .action((o: Common & { yes?: boolean }) =>
      run(async () => {
        if (!o.yes) throw new CliError("revoke-all revokes every key of the account; pass --yes to confirm");
        const r = await client(io, o).request<{ revoked: number; left: number }>("POST", `/v1/accounts/${account(io, o)}/keys/revoke-all`, {});
        // A key revokes only the keys it dominates: say what it could not revoke.
        const left = Number(r.left) > 0 ? ` ${Number(r.left)} key(s) left: they are stronger or longer-lived than this token; revoke them with a stronger key or the operator token.` : "";
        out(io, o.json ? safeJson(r) : `Revoked ${Number(r.revoked)} key(s).${left}`);
      }),
    );
}
