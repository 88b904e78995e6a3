import type { ProviderContext } from "./api-key.resource";
import { isUnknown, type ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";
import { apiKeyDataSourceSchema } from "./schema";
import { validateBlock } from "./schema-validation";

/** Data source `keyform_api_key`: one active key, looked up by id or by name. Never a secret. */
export class ApiKeyDataSource {
  constructor(private readonly ctx: ProviderContext) {}

  validate(config: ObjectValue): Diagnostic[] {
    return validateBlock(apiKeyDataSourceSchema, config);
  }

  async read(config: ObjectValue): Promise<{ state: ObjectValue | null; diagnostics: Diagnostic[] }> {
    const diagnostics = this.validate(config);
    if (diagnostics.length > 0) return { state: null, diagnostics };
    if (isUnknown(config.id) || isUnknown(config.name) || isUnknown(config.account)) {
      return { state: null, diagnostics: [error("Key reference not known yet", "id, name and account must be known when the data source is read.")] };
    }
    const account = (config.account as string | null) ?? this.ctx.account;
    if (!account) return { state: null, diagnostics: [error("No account", "Set account on the data source or on the keyform provider.", "account")] };
    const client = this.ctx.client();
    const view = typeof config.id === "string" ? await client.getKey(account, config.id) : await client.findActiveKeyByName(account, config.name as string);
    if (view === null || view.status !== "active") {
      const ref = typeof config.id === "string" ? `id ${config.id}` : `name ${config.name}`;
      return { state: null, diagnostics: [error("Key not found", `No active key with ${ref} in account ${account}.`, typeof config.id === "string" ? "id" : "name")] };
    }
    return {
      diagnostics: [],
      state: {
        id: view.id,
        name: view.name,
        account: view.account,
        type: view.type,
        scopes: view.scopes,
        masked: view.masked,
        expires_in: view.expires_in,
        expires_at: view.expires_at,
        created_at: view.created_at,
        last_used_at: view.last_used_at,
      },
    };
  }
}
