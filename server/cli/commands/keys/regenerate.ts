import type { Command } from "commander";
import { secretArg, type CliIO, type RunCommand } from "../../io";
import { account, client, printSecret, common, type Common, type Created } from "./common";

/** `keyform keys regenerate`: give a key a new secret (printed once). */
export function registerKeysRegenerate(keys: Command, io: CliIO, run: RunCommand): void {
  common(keys.command("regenerate").description("Give a key a new secret (printed once)").argument("<id>"))
    .option("--grace-period <d>", "keep the old secret working for this long (e.g. 15m, 24h)")
    .option("--secret <secret>", "bring your own secret (a keyform secret; - reads it from stdin)")
    .action((id: string, o: Common & { gracePeriod?: string; secret?: string }) =>
      run(async () => {
        const secret = o.secret === undefined ? undefined : await secretArg(io, o.secret);
        const r = await client(io, o).request<Created>("POST", `/v1/accounts/${account(io, o)}/keys/${encodeURIComponent(id)}/regenerate`, {
          ...(o.gracePeriod ? { grace_period: /^\d+$/.test(o.gracePeriod) ? Number(o.gracePeriod) : o.gracePeriod } : {}),
          ...(secret !== undefined ? { secret } : {}),
        });
        printSecret(io, o, r);
      }),
    );
}
