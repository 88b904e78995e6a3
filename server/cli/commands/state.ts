import type { Command } from "commander";
import { clientFrom } from "../client";
import { CliError, out, type CliIO } from "../io";
import { quoted, safeJson, safeLine } from "../../reconciler/render/safe-text";
import { checkedStack, ownerQuery } from "../stack-arg";
import { loadTfInput, providerEndpoint } from "../tf-input";

interface TfState {
  serial: number;
  lineage: string;
  resources: Array<{ type: string; name: string; instances: Array<{ index_key?: string | number; attributes: Record<string, unknown> }> }>;
}

interface Target {
  stack?: string;
  owner?: string;
  endpoint?: string;
  useConfigEndpoint?: boolean;
}

/** --stack, else the stack of ./cdktf.out; the endpoint is the user's (the configuration's only with --use-config-endpoint). */
function target(io: CliIO, o: Target) {
  let stack = o.stack;
  let configEndpoint: string | undefined;
  try {
    const input = loadTfInput(io.cwd, undefined, o.stack);
    stack = stack ?? input.stack ?? undefined;
    configEndpoint = providerEndpoint(input.config);
  } catch {
    // no cdktf.out here: --stack is required
  }
  return { stack: checkedStack(stack, "this folder (no cdktf.out here)"), owner: ownerQuery(o.owner), client: clientFrom(io.env, { flag: o.endpoint, configEndpoint, useConfigEndpoint: o.useConfigEndpoint }) };
}

const targetOptions = (c: Command) =>
  c.option("--stack <name>").option("--owner <account>", "operator only: the account whose stack this is").option("--endpoint <url>", "keyform server (default KEYFORM_ENDPOINT, else http://127.0.0.1:8080)")
    .option("--use-config-endpoint", "use the provider block's endpoint of ./cdktf.out when neither --endpoint nor KEYFORM_ENDPOINT is set");

const addressOf = (r: TfState["resources"][number], i: TfState["resources"][number]["instances"][number]) =>
  `${r.type}.${r.name}${i.index_key === undefined ? "" : typeof i.index_key === "number" ? `[${i.index_key}]` : `[${JSON.stringify(i.index_key)}]`}`;

export function registerState(program: Command, io: CliIO, run: (fn: () => Promise<number | void>) => void): void {
  const state = program.command("state").description("Read a stack's state (never secrets)");
  targetOptions(state.command("list"))
    .action((o: Target) =>
      run(async () => {
        const { stack, owner, client } = target(io, o);
        const s = await client.request<TfState>("GET", `/v1/stacks/${encodeURIComponent(stack)}/state${owner}`);
        for (const r of s.resources) for (const i of r.instances) out(io, safeLine(addressOf(r, i)));
      }),
    );
  targetOptions(state.command("show").argument("<address>"))
    .action((address: string, o: Target) =>
      run(async () => {
        const { stack, owner, client } = target(io, o);
        const s = await client.request<TfState>("GET", `/v1/stacks/${encodeURIComponent(stack)}/state${owner}`);
        for (const r of s.resources) {
          for (const i of r.instances) {
            if (addressOf(r, i) !== address) continue;
            const attrs = { ...i.attributes, secret: "(sensitive value)" };
            const width = Math.max(...Object.keys(attrs).map((k) => k.length));
            out(io, `# ${safeLine(address)}:\nresource ${quoted(r.type)} ${quoted(r.name)} {`);
            for (const [k, v] of Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b))) {
              out(io, `    ${safeLine(k).padEnd(width)} = ${k === "secret" ? v : safeJson(v)}`);
            }
            out(io, "}");
            return 0;
          }
        }
        throw new CliError(`No instance found for the given address ${quoted(address)} in stack ${stack}.`);
      }),
    );
  targetOptions(program.command("force-unlock").description("Release a stack lock left by a crashed operation").argument("<lock_id>"))
    .action((lockId: string, o: Target) =>
      run(async () => {
        const { stack, owner, client } = target(io, o);
        await client.request("DELETE", `/v1/stacks/${encodeURIComponent(stack)}/lock${owner}`, { lock_id: lockId });
        out(io, `keyform state has been successfully unlocked! (stack ${stack}, lock ${safeLine(lockId)})`);
      }),
    );
}
