import type { Command } from "commander";
import type { KeyView } from "../../../keys/key.view";
import { safeJson } from "../../../reconciler/render/safe-text";
import { clientFrom } from "../../client";
import { CliError, out, table, type CliIO } from "../../io";

/** What every `keys` subcommand shares: its options, the account and the server it talks to, how a key is shown. */
export interface Common {
  endpoint?: string;
  account?: string;
  json?: boolean;
}

export function account(io: CliIO, o: Common): string {
  const a = o.account ?? io.env.KEYFORM_ACCOUNT;
  if (!a) throw new CliError("--account (or KEYFORM_ACCOUNT) is required");
  return encodeURIComponent(a);
}

export const client = (io: CliIO, o: Common) => clientFrom(io.env, { flag: o.endpoint });

export function describe(k: KeyView): string {
  return table([
    ["id", k.id], ["name", k.name], ["account", k.account], ["type", k.type], ["key", k.masked], ["status", k.status],
    ["scopes", k.scopes.join(", ") || "-"], ["created", k.created_at], ["expires", k.expires_at ?? "never"],
    ["last used", k.last_used_at ?? "never"], ["uses", String(k.uses) + (k.remaining_uses !== null ? ` (${k.remaining_uses} left)` : "")],
    ["stack", k.managed_by_stack ?? "-"],
  ]);
}

export type Created = { key: KeyView; secret: string };

export function printSecret(io: CliIO, o: Common, r: Created): void {
  if (o.json) return out(io, safeJson(r, 2));
  out(io, describe(r.key));
  out(io, `\nsecret: ${r.secret}\nThis secret is shown once and cannot be retrieved again.`);
}

/** The options every `keys` subcommand takes. */
export const common = (c: Command) =>
  c.option("--endpoint <url>", "keyform server (default KEYFORM_ENDPOINT or http://127.0.0.1:8080)")
    .option("--account <id>", "account (default KEYFORM_ACCOUNT)")
    .option("--json", "print JSON");
