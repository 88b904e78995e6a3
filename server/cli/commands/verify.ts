import type { Command } from "commander";
import { clientFrom } from "../client";
import { out, secretArg, type CliIO, type RunCommand } from "../io";
import { safeJson, safeLine } from "../../reconciler/render/safe-text";

export function registerVerify(program: Command, io: CliIO, run: RunCommand): void {
  program
    .command("verify")
    .description("Verify a key (use - to read it from stdin); exit 0 when VALID, 1 otherwise")
    .argument("<key>", "the key, or - for stdin")
    .option("--scope <scope...>", "scopes the key must hold")
    .option("--endpoint <url>", "keyform server")
    .option("--json", "print JSON")
    .action((key: string, o: { scope?: string[]; endpoint?: string; json?: boolean }) =>
      run(async () => {
        const secret = await secretArg(io, key);
        const r = await clientFrom(io.env, { flag: o.endpoint }).request<{ valid: boolean; code: string; key_id?: string; account?: string; remaining_uses?: number | null }>(
          "POST", "/v1/verify", { key: secret, scopes: o.scope });
        if (o.json) out(io, safeJson(r, 2));
        else out(io, r.valid ? `VALID ${safeLine(String(r.key_id))} (account ${safeLine(String(r.account))}${r.remaining_uses != null ? `, ${Number(r.remaining_uses)} uses left` : ""})` : safeLine(String(r.code)));
        return r.valid ? 0 : 1;
      }),
    );
}
