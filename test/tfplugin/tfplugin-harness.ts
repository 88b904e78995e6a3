import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { UNKNOWN, type ObjectValue } from "../../provider/plugin/cty";
import { apiKeySchema, type BlockSchema } from "../../provider/plugin/schema";
import { ADMIN_TOKEN, Harness } from "../support/harness";

/** The real keyform app on a private MariaDB database, listening on 127.0.0.1 for the plugin. */
export async function startKeyformServer(opts: { clock?: () => number } = {}): Promise<{ harness: Harness; endpoint: string; token: string; close(): Promise<void> }> {
  const harness = await Harness.start("mysql", opts.clock ? { clock: opts.clock } : {});
  const server: Server = await new Promise((res) => {
    const s = createServer(harness.app).listen(0, "127.0.0.1", () => res(s));
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    harness,
    endpoint,
    token: ADMIN_TOKEN,
    close: async () => {
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
      await harness.close();
    },
  };
}

/**
 * What Terraform proposes before asking the provider: configuration values, and for computed
 * attributes the configuration must leave alone, the prior state (Terraform's objchange.ProposedNew).
 */
export function proposedNew(prior: ObjectValue | null, config: ObjectValue, schema: BlockSchema = apiKeySchema): ObjectValue {
  const out: ObjectValue = {};
  for (const a of schema.attributes) {
    const c = config[a.tfName] ?? null;
    out[a.tfName] = a.computed && c === null ? (prior ? prior[a.tfName] : null) : c;
  }
  return out;
}

/** A resource configuration: every attribute present, null unless given. */
export function resourceConfig(values: Partial<Record<string, unknown>>): ObjectValue {
  const out: ObjectValue = {};
  for (const a of apiKeySchema.attributes) out[a.tfName] = (values[a.tfName] as ObjectValue[string]) ?? null;
  return out;
}

export { UNKNOWN };
