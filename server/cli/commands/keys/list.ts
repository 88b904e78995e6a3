import type { Command } from "commander";
import type { KeyView } from "../../../keys/key.view";
import { safeJson } from "../../../reconciler/render/safe-text";
import { out, table, type CliIO, type RunCommand } from "../../io";
import { account, client, common, type Common } from "./common";

/** `keyform keys list`: list keys (masked). */
export function registerKeysList(keys: Command, io: CliIO, run: RunCommand): void {
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
}
