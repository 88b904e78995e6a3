import type { Command } from "commander";
import type { KeyView } from "../../../keys/key.view";
import { safeJson } from "../../../reconciler/render/safe-text";
import { out, table, type CliIO, type RunCommand } from "../../io";
import { account, client, describe, common, type Common } from "./common";

/** `keyform keys show`: show a key and its usage. */
export function registerKeysShow(keys: Command, io: CliIO, run: RunCommand): void {
  common(keys.command("show").description("Show a key and its usage").argument("<id>"))
    .action((id: string, o: Common) =>
      run(async () => {
        const r = await client(io, o).request<{ key: KeyView; usage: Array<{ minute: string; operation: string; source: string; count: number }> }>(
          "GET", `/v1/accounts/${account(io, o)}/keys/${encodeURIComponent(id)}`);
        if (o.json) return out(io, safeJson(r, 2));
        out(io, describe(r.key));
        if (r.usage.length) out(io, "\n" + table([["MINUTE", "OPERATION", "SOURCE", "COUNT"], ...r.usage.map((u) => [u.minute, u.operation, u.source, String(u.count)])]));
      }),
    );
}
