import { Construct } from "constructs";
import * as cdktf from "cdktf";
import type { ArgumentTypes, Assert, AttributeName, Equal, RequiredKeys } from "../core/schema/attribute-schema";
import { API_KEY_TYPE_NAME, PROVIDER_NAME, apiKeyDataSourceSchema, type ApiKeyDataSourceSchema } from "../core/schema/api-key.schema";
import { SchemaValidation } from "./validate";

// Configuration

export interface DataKeyformApiKeyConfig extends cdktf.TerraformMetaArguments {
  /**
   * Name of the key to read. Exactly one of `name` and `id` must be set.
   *
   * Terraform attribute: `name`
   */
  readonly name?: string;
  /**
   * Id of the key to read (`key_…`). Exactly one of `name` and `id` must be set.
   *
   * Terraform attribute: `id`
   */
  readonly id?: string;
  /**
   * Account to look in; defaults to the provider's `account`.
   *
   * Terraform attribute: `account`
   */
  readonly account?: string;
}

/**
 * Represents the `keyform_api_key` data source: reads an existing API key, e.g. a legacy key, by
 * `name` or `id`. Never exposes the secret.
 */
export class DataKeyformApiKey extends cdktf.TerraformDataSource {
  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = API_KEY_TYPE_NAME;

  // ==============
  // STATIC Methods
  // ==============
  /**
   * Generates CDKTF code for importing a DataKeyformApiKey resource upon running "cdktf plan <stack-name>"
   * @param scope The scope in which to define this construct
   * @param importToId The construct id used in the generated config for the DataKeyformApiKey to import
   * @param importFromId The keyform key id (`key_…`) of the existing key
   * @param provider? Optional instance of the provider where the DataKeyformApiKey to import is found
   */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
    return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: API_KEY_TYPE_NAME, importId: importFromId, provider });
  }

  // ===========
  // INITIALIZER
  // ===========

  /**
   * Create a new `keyform_api_key` data source.
   *
   * @param scope The scope in which to define this construct
   * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
   * @param config DataKeyformApiKeyConfig = {}
   */
  public constructor(scope: Construct, id: string, config: DataKeyformApiKeyConfig = {}) {
    super(scope, id, {
      terraformResourceType: API_KEY_TYPE_NAME,
      terraformGeneratorMetadata: {
        providerName: PROVIDER_NAME,
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach,
    });
    this._name = config.name;
    this._id = config.id;
    this._account = config.account;
    this.node.addValidation(new SchemaValidation(apiKeyDataSourceSchema, () => this.synthesizeAttributes()));
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // name - computed: true, optional: true, required: false
  private _name?: string;
  public get name() {
    return this.getStringAttribute("name");
  }
  public set name(value: string) {
    this._name = value;
  }
  public resetName() {
    this._name = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
  }

  // id - computed: true, optional: true, required: false
  private _id?: string;
  public get id() {
    return this.getStringAttribute("id");
  }
  public set id(value: string) {
    this._id = value;
  }
  public resetId() {
    this._id = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get idInput() {
    return this._id;
  }

  // account - computed: true, optional: true, required: false
  private _account?: string;
  public get account() {
    return this.getStringAttribute("account");
  }
  public set account(value: string) {
    this._account = value;
  }
  public resetAccount() {
    this._account = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get accountInput() {
    return this._account;
  }

  // type - computed: true, optional: false, required: false
  public get type() {
    return this.getStringAttribute("type");
  }

  // scopes - computed: true, optional: false, required: false
  public get scopes() {
    return this.getListAttribute("scopes");
  }

  // expires_in - computed: true, optional: false, required: false
  public get expiresIn() {
    return this.getStringAttribute("expires_in");
  }

  // expires_at - computed: true, optional: false, required: false
  public get expiresAt() {
    return this.getStringAttribute("expires_at");
  }

  // masked - computed: true, optional: false, required: false
  public get masked() {
    return this.getStringAttribute("masked");
  }

  // created_at - computed: true, optional: false, required: false
  public get createdAt() {
    return this.getStringAttribute("created_at");
  }

  // last_used_at - computed: true, optional: false, required: false
  public get lastUsedAt() {
    return this.getStringAttribute("last_used_at");
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      id: cdktf.stringToTerraform(this._id),
      account: cdktf.stringToTerraform(this._account),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      id: {
        value: cdktf.stringToHclTerraform(this._id),
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
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined));
  }
}

// Compile-time checks that the hand-written shapes above agree with apiKeyDataSourceSchema.
type OwnConfig = Omit<DataKeyformApiKeyConfig, keyof cdktf.TerraformMetaArguments>;
export type DataKeyformApiKeyConfigMatchesSchema = Assert<Equal<Required<OwnConfig>, ArgumentTypes<ApiKeyDataSourceSchema>>>;
export type DataKeyformApiKeyNothingRequired = Assert<Equal<RequiredKeys<OwnConfig>, never>>;
export type DataKeyformApiKeyGettersMatchSchema = Assert<[AttributeName<ApiKeyDataSourceSchema>] extends [keyof DataKeyformApiKey] ? true : false>;
