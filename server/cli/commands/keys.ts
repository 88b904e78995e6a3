import type { Command } from "commander";
import type { KeyView } from "../../keys/key.view";
import { clientFrom } from "../client";
import { CliError, out, secretArg, table, type CliIO } from "../io";
import { safeJson, safeLine } from "../../reconciler/render/safe-text";

interface Common {
  endpoint?: string;
  account?: string;
  json?: boolean;
}

function account(io: CliIO, o: Common): string {
  const a = o.account ?? io.env.KEYFORM_ACCOUNT;
  if (!a) throw new CliError("--account (or KEYFORM_ACCOUNT) is required");
  return encodeURIComponent(a);
}

const client = (io: CliIO, o: Common) => clientFrom(io.env, { flag: o.endpoint });

function describe(k: KeyView): string {
  return table([
    ["id", k.id], ["name", k.name], ["account", k.account], ["type", k.type], ["key", k.masked], ["status", k.status],
    ["scopes", k.scopes.join(", ") || "-"], ["created", k.created_at], ["expires", k.expires_at ?? "never"],
    ["last used", k.last_used_at ?? "never"], ["uses", String(k.uses) + (k.remaining_uses !== null ? ` (${k.remaining_uses} left)` : "")],
    ["stack", k.managed_by_stack ?? "-"],
  ]);
}

type Created = { key: KeyView; secret: string };

function printSecret(io: CliIO, o: Common, r: Created): void {
  if (o.json) return out(io, safeJson(r, 2));
  out(io, describe(r.key));
  out(io, `\nsecret: ${r.secret}\nThis secret is shown once and cannot be retrieved again.`);
}

export function registerKeys(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
  const keys = program.command("keys").description("Manage API keys by hand");
  const common = (c: Command) =>
    c.option("--endpoint <url>", "keyform server (default KEYFORM_ENDPOINT or http://127.0.0.1:8080)")
      .option("--account <id>", "account (default KEYFORM_ACCOUNT)")
      .option("--json", "print JSON");

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

  common(keys.command("list").description("List keys (masked)"))
    .option("--status <status>", "active, expired, revoked or exhausted")
    .option("--type <type>", "live, temp or legacy")
    .action((o: Common & { status?: string; type?: string }) =>
      run(async () => {
        const all: KeyView[] = [];
        let cursor: string | null = null;
        do {
          const q = new URLSearchParams({ ...(o.status ? { status: o.status } : {}), ...(o.type ? { type: o.type } : {}), ...(cursor ? { cursor } : {}) });
          const page: { keys: KeyView[]; next_cursor: string | null } = await client(io, o).request("GET", `/v1/accounts/${account(io, o)}/keys?${q}`);
          all.push(...page.keys);
          cursor = page.next_cursor;
        } while (cursor);
        if (o.json) return out(io, safeJson({ keys: all }, 2));
        if (all.length === 0) return out(io, "No keys.");
        out(io, table([["ID", "NAME", "TYPE", "KEY", "STATUS", "EXPIRES", "LAST USED", "STACK"],
          ...all.map((k) => [k.id, k.name, k.type, k.masked, k.status, k.expires_at ?? "never", k.last_used_at ?? "never", k.managed_by_stack ?? "-"])]));
      }),
    );

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

  common(keys.command("revoke").description("Revoke a key").argument("<id>"))
    .action((id: string, o: Common) =>
      run(async () => {
        await client(io, o).request("DELETE", `/v1/accounts/${account(io, o)}/keys/${encodeURIComponent(id)}`);
        out(io, o.json ? safeJson({ revoked: id }) : `Revoked ${safeLine(id)}.`);
      }),
    );

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
