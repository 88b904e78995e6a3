import type { Command } from "commander";
import { quoted, safeJson, safeLine } from "../../../reconciler/render/safe-text";
import { CliError, out, type CliIO, type RunCommand } from "../../io";
import { addressOf, target, targetOptions, type Target, type TfState } from "../../stack-target";

/** `keyform state show ADDRESS`: one instance's attributes (never its secret). */
export function registerStateShow(state: Command, io: CliIO, run: RunCommand): void {
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
}
