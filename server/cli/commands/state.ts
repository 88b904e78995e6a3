import type { Command } from "commander";
import { KeyformClient } from "../client";
import { CliError, out, type CliIO } from "../io";
import { loadTfInput, providerEndpoint } from "../tf-input";

interface TfState {
  serial: number;
  lineage: string;
  resources: Array<{ type: string; name: string; instances: Array<{ index_key?: string | number; attributes: Record<string, unknown> }> }>;
}

/** --stack, else the stack of ./cdktf.out; the endpoint likewise falls back to its provider block. */
function target(io: CliIO, o: { stack?: string; endpoint?: string }) {
  let stack = o.stack;
  let fallback: string | undefined;
  try {
    const input = loadTfInput(io.cwd, undefined, o.stack);
    stack = stack ?? input.stack ?? undefined;
    fallback = providerEndpoint(input.config);
  } catch {
    // no cdktf.out here: --stack is required
  }
  if (!stack) throw new CliError("--stack NAME is required (no cdktf.out here to read it from)");
  return { stack, client: new KeyformClient({ endpoint: o.endpoint || io.env.KEYFORM_ENDPOINT || fallback, token: io.env.KEYFORM_TOKEN }) };
}

const addressOf = (r: TfState["resources"][number], i: TfState["resources"][number]["instances"][number]) =>
  `${r.type}.${r.name}${i.index_key === undefined ? "" : typeof i.index_key === "number" ? `[${i.index_key}]` : `[${JSON.stringify(i.index_key)}]`}`;

function hcl(v: unknown): string {
  return JSON.stringify(v);
}

export function registerState(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
  const state = program.command("state").description("Read a stack's state (never secrets)");
  state
    .command("list")
    .option("--stack <name>").option("--endpoint <url>")
    .action((o: { stack?: string; endpoint?: string }) =>
      run(async () => {
        const { stack, client } = target(io, o);
        const s = await client.request<TfState>("GET", `/v1/stacks/${encodeURIComponent(stack)}/state`);
        for (const r of s.resources) for (const i of r.instances) out(io, addressOf(r, i));
      }),
    );
  state
    .command("show")
    .argument("<address>")
    .option("--stack <name>").option("--endpoint <url>")
    .action((address: string, o: { stack?: string; endpoint?: string }) =>
      run(async () => {
        const { stack, client } = target(io, o);
        const s = await client.request<TfState>("GET", `/v1/stacks/${encodeURIComponent(stack)}/state`);
        for (const r of s.resources) {
          for (const i of r.instances) {
            if (addressOf(r, i) !== address) continue;
            const attrs = { ...i.attributes, secret: "(sensitive value)" };
            const width = Math.max(...Object.keys(attrs).map((k) => k.length));
            out(io, `# ${address}:\nresource "${r.type}" "${r.name}" {`);
            for (const [k, v] of Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b))) {
              out(io, `    ${k.padEnd(width)} = ${k === "secret" ? v : hcl(v)}`);
            }
            out(io, "}");
            return 0;
          }
        }
        throw new CliError(`No instance found for the given address ${address} in stack ${stack}.`);
      }),
    );
  program
    .command("force-unlock")
    .description("Release a stack lock left by a crashed operation")
    .argument("<lock_id>")
    .option("--stack <name>").option("--endpoint <url>")
    .action((lockId: string, o: { stack?: string; endpoint?: string }) =>
      run(async () => {
        const { stack, client } = target(io, o);
        await client.request("DELETE", `/v1/stacks/${encodeURIComponent(stack)}/lock`, { lock_id: lockId });
        out(io, `keyform state has been successfully unlocked! (stack ${stack}, lock ${lockId})`);
      }),
    );
}
