import { Construct } from "constructs";
import * as cdktf from "cdktf";
import type { ArgumentName, Assert, Equal } from "../core/schema/attribute-schema";
import { PROVIDER_NAME, PROVIDER_SOURCE, PROVIDER_VERSION, providerSchema, type ProviderSchema } from "../core/schema/api-key.schema";
import { SchemaValidation } from "./validate";

// Configuration

/**
 * Configuration of the `keyform` provider. Credentials never belong in infra code or synthesized JSON:
 * `token` is for an ephemeral value only; otherwise the CLI and the plugin read `KEYFORM_TOKEN`.
 */
export interface KeyformProviderConfig {
  /**
   * Base URL of the keyform server, e.g. `http://127.0.0.1:8080`. The `--endpoint` flag and `KEYFORM_ENDPOINT` take precedence.
   *
   * Terraform attribute: `endpoint`
   */
  readonly endpoint?: string;
  /**
   * Default account of the keys declared with this provider; a key's own `account` overrides it.
   *
   * Terraform attribute: `account`
   */
  readonly account?: string;
  /**
   * API token of this provider configuration, meant for an ephemeral value such as `ephemeral.keyform_temp_key.<name>.secret`, which Terraform keeps out of state and plan files. Never write a literal token here; without it the provider reads `KEYFORM_TOKEN`.
   *
   * Terraform attribute: `token`
   */
  readonly token?: string;
  /**
   * Alias name, for a second `keyform` provider block (e.g. another account or server).
   *
   * Terraform attribute: `alias`
   */
  readonly alias?: string;
}

/**
 * Represents the `keyform` provider (source `keyform/keyform`).
 */
export class KeyformProvider extends cdktf.TerraformProvider {
  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = PROVIDER_NAME;

  // ==============
  // STATIC Methods
  // ==============
  /**
   * Generates CDKTF code for importing a KeyformProvider resource upon running "cdktf plan <stack-name>".
   * Present because generated providers have it; a provider block itself is never imported.
   * @param scope The scope in which to define this construct
   * @param importToId The construct id used in the generated config for the KeyformProvider to import
   * @param importFromId The id of the existing KeyformProvider that should be imported
   * @param provider? Optional instance of the provider where the KeyformProvider to import is found
   */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
    return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: PROVIDER_NAME, importId: importFromId, provider });
  }

  // ===========
  // INITIALIZER
  // ===========

  /**
   * Create a new `keyform` provider.
   *
   * @param scope The scope in which to define this construct
   * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
   * @param config KeyformProviderConfig = {}
   */
  public constructor(scope: Construct, id: string, config: KeyformProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: PROVIDER_NAME,
      terraformGeneratorMetadata: {
        providerName: PROVIDER_NAME,
        // `cdktf deploy` (and `terraform init`) need a version for every provider.
        providerVersion: PROVIDER_VERSION,
      },
      terraformProviderSource: PROVIDER_SOURCE,
    });
    this._endpoint = config.endpoint;
    this._account = config.account;
    this._token = config.token;
    this._alias = config.alias;
    this.node.addValidation(new SchemaValidation(providerSchema, () => this.synthesizeAttributes()));
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // endpoint - computed: false, optional: true, required: false
  private _endpoint?: string;
  public get endpoint() {
    return this._endpoint;
  }
  public set endpoint(value: string | undefined) {
    this._endpoint = value;
  }
  public resetEndpoint() {
    this._endpoint = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get endpointInput() {
    return this._endpoint;
  }

  // account - computed: false, optional: true, required: false
  private _account?: string;
  public get account() {
    return this._account;
  }
  public set account(value: string | undefined) {
    this._account = value;
  }
  public resetAccount() {
    this._account = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get accountInput() {
    return this._account;
  }

  // token - computed: false, optional: true, required: false, sensitive: true
  private _token?: string;
  public get token() {
    return this._token;
  }
  public set token(value: string | undefined) {
    this._token = value;
  }
  public resetToken() {
    this._token = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get tokenInput() {
    return this._token;
  }

  // alias - computed: false, optional: true, required: false
  private _alias?: string;
  public override get alias() {
    return this._alias;
  }
  public override set alias(value: string | undefined) {
    this._alias = value;
  }
  public resetAlias() {
    this._alias = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get aliasInput() {
    return this._alias;
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      endpoint: cdktf.stringToTerraform(this._endpoint),
      account: cdktf.stringToTerraform(this._account),
      token: cdktf.stringToTerraform(this._token),
      alias: cdktf.stringToTerraform(this._alias),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      endpoint: {
        value: cdktf.stringToHclTerraform(this._endpoint),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      account: {
        value: cdktf.stringToHclTerraform(this._account),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      token: {
        value: cdktf.stringToHclTerraform(this._token),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      alias: {
        value: cdktf.stringToHclTerraform(this._alias),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined));
  }
}

/** Compile-time check: the Config declares exactly the schema's arguments, plus Terraform's `alias`. */
export type KeyformProviderConfigMatchesSchema = Assert<Equal<keyof KeyformProviderConfig, ArgumentName<ProviderSchema> | "alias">>;
