import type { Command } from "commander";
import { secretArg, type CliIO, type RunCommand } from "../../io";
import { account, client, printSecret, common, type Common, type Created } from "./common";

/** `keyform keys create`: create a key and print its secret once. */
export function registerKeysCreate(keys: Command, io: CliIO, run: RunCommand): void {
  common(keys.command("create").description("Create a key and print its secret once"))
    .requiredOption("--name <name>", "key name (1-128 of A-Z a-z 0-9 - _)")
    .option("--type <type>", "live or temp", "live")
    .option("--expires-in <d>", "30d, 90d, 1y, 2y or never")
    .option("--expires-at <time>", "RFC 3339 time")
    .option("--scope <scope...>", "scopes to grant")
    .option("--secret <secret>", "bring your own secret (a keyform secret; - reads it from stdin)")
    .action((o: Common & { name: string; type: string; expiresIn?: string; expiresAt?: string; scope?: string[]; secret?: string }) =>
      run(async () => {
        const secret = o.secret === undefined ? undefined : await secretArg(io, o.secret);
        const r = await client(io, o).request<Created>("POST", `/v1/accounts/${account(io, o)}/keys`, {
          name: o.name, type: o.type, expires_in: o.expiresIn, expires_at: o.expiresAt, scopes: o.scope, secret,
        });
        printSecret(io, o, r);
      }),
    );
}
