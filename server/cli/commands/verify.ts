import type { Command } from "commander";
import { KeyformClient } from "../client";
import { out, secretArg, type CliIO } from "../io";

export function registerVerify(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
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
        const r = await new KeyformClient({ endpoint: o.endpoint, token: io.env.KEYFORM_TOKEN }).request<{ valid: boolean; code: string; key_id?: string; account?: string; remaining_uses?: number | null }>(
          "POST", "/v1/verify", { key: secret, scopes: o.scope });
        if (o.json) out(io, JSON.stringify(r, null, 2));
        else out(io, r.valid ? `VALID ${r.key_id} (account ${r.account}${r.remaining_uses != null ? `, ${r.remaining_uses} uses left` : ""})` : r.code);
        return r.valid ? 0 : 1;
      }),
    );
}
