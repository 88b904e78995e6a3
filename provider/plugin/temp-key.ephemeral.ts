import type { ProviderContext } from "./api-key.resource";
import { isUnknown, type ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";
import { tempKeyEphemeralSchema } from "./schema";
import { validateBlock } from "./schema-validation";

/** What Close needs, kept by Terraform between Open and Close (never the secret). */
interface OpenedTempKey {
  account: string;
  id: string;
}

/**
 * `ephemeral "keyform_temp_key"`: a temp key for one Terraform phase. Open creates it, Close revokes it;
 * if Terraform dies in between, the key still expires within 5 minutes (or 10 uses) on its own.
 */
export class TempKeyEphemeral {
  constructor(private readonly ctx: ProviderContext) {}

  validate(config: ObjectValue): Diagnostic[] {
    return validateBlock(tempKeyEphemeralSchema, config);
  }

  async open(config: ObjectValue): Promise<{ result: ObjectValue | null; privateData?: Buffer; diagnostics: Diagnostic[] }> {
    const diagnostics = this.validate(config);
    if (diagnostics.length) return { result: null, diagnostics };
    if (isUnknown(config.account) || isUnknown(config.name) || isUnknown(config.scopes)) {
      return { result: null, diagnostics: [error("Temp key arguments not known", "account, name and scopes must be known when the temp key is opened.")] };
    }
    const account = (config.account as string | null) ?? this.ctx.account;
    if (!account) return { result: null, diagnostics: [error("No account", "Set account on the temp key or on the keyform provider (or KEYFORM_ACCOUNT).", "account")] };
    const created = await this.ctx.client().createKey(account, {
      name: config.name as string,
      type: "temp",
      ...(Array.isArray(config.scopes) ? { scopes: config.scopes } : {}),
    });
    const opened: OpenedTempKey = { account, id: created.key.id };
    return {
      result: {
        account,
        name: created.key.name,
        scopes: Array.isArray(config.scopes) ? config.scopes : created.key.scopes,
        id: created.key.id,
        secret: created.secret,
        expires_at: created.key.expires_at,
      },
      privateData: Buffer.from(JSON.stringify(opened), "utf8"),
      diagnostics,
    };
  }

  /** Revokes the temp key opened with this private data (a key already gone is fine). */
  async close(privateData: Buffer | undefined): Promise<Diagnostic[]> {
    let opened: OpenedTempKey;
    try {
      opened = JSON.parse(Buffer.from(privateData ?? []).toString("utf8")) as OpenedTempKey;
    } catch {
      return [error("Cannot close keyform_temp_key", "Terraform handed back no record of the opened temp key; it expires on its own within 5 minutes.")];
    }
    await this.ctx.client().revokeKey(opened.account, opened.id);
    return [];
  }
}
