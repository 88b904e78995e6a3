import { KeyformApiError, type KeyformClient, type KeyView, type PatchKeyBody } from "./client";
import { isSet, isUnknown, sameValue, UNKNOWN, type ObjectValue, type Value } from "./cty";
import { attributePath, error, warning, type Diagnostic } from "./diagnostics";
import { durationMs, secretMatchesMasked, validateExpiryAtPlan } from "./api-key.rules";
import { apiKeySchema as sharedApiKeySchema, KEY_ID_PATTERN, type BlockSchema } from "./schema";
import { validateBlock } from "./schema-validation";

/** What the provider configuration hands to resources and data sources. */
export interface ProviderContext {
  client(): KeyformClient;
  /** The provider's account, if configured. */
  account: string | null;
  now(): number;
}

export interface PlanResult {
  planned: ObjectValue | null;
  requiresReplace: ReturnType<typeof attributePath>[];
  diagnostics: Diagnostic[];
}

const apiKeySchema: BlockSchema = sharedApiKeySchema;

/** Attributes only the server sets: unknown until a key is created. */
const SERVER_COMPUTED = apiKeySchema.attributes.filter((a) => a.computed && !a.optional).map((a) => a.tfName);
/** Arguments the server fills in when configuration leaves them out (with their defaults, if fixed). */
const OPTIONAL_COMPUTED = apiKeySchema.attributes.filter((a) => a.computed && a.optional);
/** Changing these cannot be done in place. */
const FORCE_NEW = apiKeySchema.attributes.filter((a) => a.forcesReplacement).map((a) => a.tfName);

/** `keyform_api_key`: plan, apply, read and import, each a translation to keyform's REST API. */
export class ApiKeyResource {
  constructor(private readonly ctx: ProviderContext) {}

  validate(config: ObjectValue): Diagnostic[] {
    return validateBlock(apiKeySchema, config);
  }

  plan(prior: ObjectValue | null, proposed: ObjectValue | null, config: ObjectValue | null): PlanResult {
    if (proposed === null || config === null) return { planned: null, requiresReplace: [], diagnostics: [] };
    const diagnostics = validateBlock(apiKeySchema, config);
    const planned: ObjectValue = { ...proposed };
    // The provider's account is the default of the resource's: a new provider account moves (replaces) keys.
    planned.account = config.account ?? this.ctx.account;
    if (planned.account === null) {
      diagnostics.push(error("No account", "Set account on the resource or on the keyform provider (or KEYFORM_ACCOUNT).", "account"));
    }
    if (config.type === null) planned.type = "live";

    if (prior === null) return this.planCreate(planned, config, diagnostics);

    const requiresReplace: PlanResult["requiresReplace"] = [];
    for (const attr of FORCE_NEW) {
      if (!sameValue(prior[attr], planned[attr])) requiresReplace.push(attributePath(attr));
    }
    // A due rotation or a secret regenerated outside Terraform has no changed argument to point at:
    // the planned change of a computed attribute that a new key brings carries the replacement.
    const rotation = this.rotationDue(prior, config);
    if (rotation) {
      diagnostics.push(warning("Key rotation due", rotation, "rotate_every"));
      planned.created_at = UNKNOWN;
      requiresReplace.push(attributePath("created_at"));
    }
    if (typeof prior.secret === "string" && typeof prior.masked === "string" && !secretMatchesMasked(prior.secret, prior.masked)) {
      diagnostics.push(warning("Key regenerated outside Terraform", `The secret in state no longer matches ${prior.masked}; the key is replaced so that Terraform knows its secret.`, "secret"));
      planned.secret = UNKNOWN;
      requiresReplace.push(attributePath("secret"));
    }
    if (requiresReplace.length > 0) {
      // Terraform plans the new object again with no prior state; this plan only has to show the change.
      for (const attr of SERVER_COMPUTED) planned[attr] = UNKNOWN;
      return { planned, requiresReplace, diagnostics };
    }

    // Update in place. Expiry arguments move together: the server derives one from the other.
    if (isSet(config.expires_at) && !sameValue(config.expires_at, prior.expires_at)) {
      diagnostics.push(...validateExpiryAtPlan(config, this.ctx.now()));
      // The server forgets expires_in when given expires_at; one given before shows as changing.
      if (config.expires_in === null && prior.expires_in !== null) planned.expires_in = UNKNOWN;
    }
    if (config.expires_at === null && isSet(config.expires_in) && !sameValue(config.expires_in, prior.expires_in)) {
      planned.expires_at = config.expires_in === "never" ? null : UNKNOWN;
    }
    return { planned, requiresReplace, diagnostics };
  }

  private planCreate(planned: ObjectValue, config: ObjectValue, diagnostics: Diagnostic[]): PlanResult {
    diagnostics.push(...validateExpiryAtPlan(config, this.ctx.now()));
    for (const attr of SERVER_COMPUTED) planned[attr] = UNKNOWN;
    for (const a of OPTIONAL_COMPUTED) {
      if (config[a.tfName] === null && a.tfName !== "account") planned[a.tfName] = a.default ?? UNKNOWN;
    }
    if (config.scopes === null) planned.scopes = []; // a key created without scopes has none
    if (config.expires_in === "never" && config.expires_at === null) planned.expires_at = null;
    if (isSet(config.expires_at) && config.expires_in === null) planned.expires_in = null;
    return { planned, requiresReplace: [], diagnostics };
  }

  async apply(prior: ObjectValue | null, planned: ObjectValue | null): Promise<ObjectValue | null> {
    const client = this.ctx.client();
    if (planned === null) {
      if (prior && typeof prior.id === "string") await client.revokeKey(accountOf(prior), prior.id);
      return null;
    }
    const account = accountOf(planned);
    if (prior === null) {
      const created = await client.createKey(account, {
        name: str(planned.name)!,
        type: str(planned.type) ?? "live",
        ...(isSet(planned.expires_in) ? { expires_in: str(planned.expires_in)! } : {}),
        ...(isSet(planned.expires_at) ? { expires_at: str(planned.expires_at)! } : {}),
        ...(Array.isArray(planned.scopes) ? { scopes: planned.scopes } : {}),
      });
      return stateFromView(created.key, planned, created.secret);
    }
    const patch: PatchKeyBody = {};
    if (planned.name !== prior.name) patch.name = str(planned.name)!;
    if (Array.isArray(planned.scopes) && !sameValue(planned.scopes, prior.scopes)) patch.scopes = planned.scopes;
    if (isSet(planned.expires_at) && !sameValue(planned.expires_at, prior.expires_at)) patch.expires_at = str(planned.expires_at)!;
    else if (isSet(planned.expires_in) && !sameValue(planned.expires_in, prior.expires_in)) patch.expires_in = str(planned.expires_in)!;
    const view = Object.keys(patch).length > 0 ? await client.patchKey(account, str(prior.id)!, patch) : await client.getKey(account, str(prior.id)!);
    if (view === null) throw new KeyformApiError(404, "NOT_FOUND", `key ${str(prior.id)} no longer exists in account ${account}`);
    return stateFromView(view, planned, prior.secret);
  }

  /** The key as the server has it now; null ("gone") when revoked, deleted, expired or used up. */
  async read(current: ObjectValue): Promise<ObjectValue | null> {
    if (typeof current.id !== "string") return null;
    const view = await this.ctx.client().getKey(accountOf(current), current.id);
    if (view === null || view.status !== "active") return null;
    return {
      ...current,
      name: view.name,
      type: view.type,
      account: view.account,
      masked: view.masked,
      created_at: view.created_at,
      last_used_at: view.last_used_at,
      scopes: sameScopes(current.scopes, view.scopes) ? current.scopes : view.scopes,
      expires_in: view.expires_in,
      expires_at: sameInstant(current.expires_at, view.expires_at) ? current.expires_at : view.expires_at,
    };
  }

  /** Import by `key_…` (the provider's account) or `account/key_…`. The secret stays unknown to Terraform. */
  async import(importId: string): Promise<ObjectValue> {
    const [account, id] = importId.includes("/") ? importId.split("/", 2) : [this.ctx.account, importId];
    if (!account) throw new Error(`Import "${importId}": no account; configure the provider's account or import as ACCOUNT/key_…`);
    if (!new RegExp(KEY_ID_PATTERN).test(id)) throw new Error(`Import "${importId}": expected a key id such as key_ followed by 24 letters and digits.`);
    const view = await this.ctx.client().getKey(account, id);
    if (view === null || view.status !== "active") throw new Error(`Cannot import ${id}: no active key with this id in account ${account}.`);
    return {
      id: view.id,
      name: view.name,
      type: view.type,
      expires_in: view.expires_in,
      expires_at: view.expires_at,
      scopes: view.scopes,
      account: view.account,
      rotate_every: null,
      secret: null,
      masked: view.masked,
      created_at: view.created_at,
      last_used_at: view.last_used_at,
    };
  }

  private rotationDue(prior: ObjectValue, config: ObjectValue): string | null {
    if (typeof config.rotate_every !== "string" || typeof prior.created_at !== "string") return null;
    const every = durationMs(config.rotate_every);
    const created = Date.parse(prior.created_at);
    if (every === null || Number.isNaN(created)) return null;
    const age = this.ctx.now() - created;
    if (age < every) return null;
    return `${str(prior.id)} was created ${prior.created_at}, more than rotate_every = "${config.rotate_every}" ago; it is replaced by a new key.`;
  }
}

/** New state after an apply: what was planned, with the server's values where the plan had none. */
function stateFromView(view: KeyView, planned: ObjectValue, secret: Value): ObjectValue {
  const pick = (attr: string, fromServer: Value): Value => (isUnknown(planned[attr]) ? fromServer : planned[attr]);
  return {
    ...planned,
    id: view.id,
    type: pick("type", view.type),
    expires_in: pick("expires_in", view.expires_in),
    scopes: isUnknown(planned.scopes) ? view.scopes : planned.scopes,
    account: pick("account", view.account),
    expires_at: pick("expires_at", view.expires_at),
    secret: isUnknown(secret) ? null : secret,
    masked: pick("masked", view.masked),
    created_at: pick("created_at", view.created_at),
    last_used_at: pick("last_used_at", view.last_used_at),
  };
}

function accountOf(v: ObjectValue): string {
  if (typeof v.account !== "string") throw new Error("The key's account is not known; set account on the resource or the provider.");
  return v.account;
}

const str = (v: Value): string | null => (typeof v === "string" ? v : null);

function sameInstant(a: Value, b: string | null): boolean {
  if (typeof a !== "string" || b === null) return a === b;
  return Date.parse(a) === Date.parse(b);
}

/** The server keeps scopes as a sorted set: the configured order (or null for none) is kept when equal. */
function sameScopes(configured: Value, server: string[]): boolean {
  if (configured === null) return server.length === 0;
  if (!Array.isArray(configured)) return false;
  const a = [...new Set(configured)].sort();
  const b = [...new Set(server)].sort();
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
