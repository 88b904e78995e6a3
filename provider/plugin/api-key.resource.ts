import { diffApiKey } from "../../core/diff/api-key.diff";
import type { KeyType } from "../../core/keys/key";
import { overlapMs, overlapNote } from "../../core/keys/rotation";
import { KeyformError, type KeyformClient, type KeyView, type PatchKeyBody } from "../../client/src";
import { isSet, isUnknown, sameValue, UNKNOWN, type ObjectValue, type Value } from "./cty";
import { attributePath, error, warning, type Diagnostic } from "./diagnostics";
import { expiryDiagnostics, secretMatchesMasked } from "./api-key.rules";
import { readSecretRecord, rotationDueValue, secretIssuedAt, writeSecretRecord, type SecretRecord } from "./api-key.secret-record";
import { PartialApplyError, sameInstant, sameScopes, stateFromView, str } from "./api-key.state";
import { apiKeySchema as sharedApiKeySchema, KEY_ID_PATTERN, type BlockSchema } from "./schema";
import { validateBlock } from "./schema-validation";

/** What the provider configuration hands to resources and data sources. */
export interface ProviderContext {
  client(): KeyformClient;
  /** The provider's account, if configured. */
  account: string | null;
  now(): number;
}

/** tfplugin6 ClientCapabilities: what the calling Terraform supports. */
export interface ClientCapabilities {
  deferral_allowed?: boolean;
  write_only_attributes_allowed?: boolean;
}

export interface PlanResult {
  planned: ObjectValue | null;
  requiresReplace: ReturnType<typeof attributePath>[];
  diagnostics: Diagnostic[];
}

export interface ApplyResult {
  state: ObjectValue | null;
  privateData?: Buffer;
}

const apiKeySchema: BlockSchema = sharedApiKeySchema;

/** Attributes only the server sets: unknown until a key is created. */
const SERVER_COMPUTED = apiKeySchema.attributes.filter((a) => a.computed && !a.optional).map((a) => a.tfName);
/** Arguments the server fills in when configuration leaves them out (with their defaults, if fixed). */
const OPTIONAL_COMPUTED = apiKeySchema.attributes.filter((a) => a.computed && a.optional);
/** `kf_live_…`: the brand is the server's, the type must be the key's. */
const SECRET_SHAPE = /^[a-z][a-z0-9]{0,15}_(live|temp)_[0-9A-Za-z]{36}$/;

/** `keyform_api_key`: plan, apply, read and import, each a translation to keyform's REST API. */
export class ApiKeyResource {
  constructor(private readonly ctx: ProviderContext) {}

  /**
   * The schema's rules, plus write-only safety: a Terraform without write-only support (before 1.11)
   * would keep `secret_wo` in its state and plan files like any argument, so it is refused there.
   */
  validate(config: ObjectValue, capabilities?: ClientCapabilities): Diagnostic[] {
    const diags = validateBlock(apiKeySchema, config);
    if (config.secret_wo === null) return diags;
    if (!capabilities?.write_only_attributes_allowed) {
      diags.push(
        error(
          "secret_wo needs Terraform 1.11 or later",
          "This Terraform does not support write-only arguments (plugin protocol 6.8), so it would store secret_wo in its state and plan files. " +
            "Upgrade to Terraform 1.11 or later, or leave secret_wo out and let the keyform server generate the secret (then kept in state as `secret`).",
          "secret_wo",
        ),
      );
    } else if (typeof config.secret_wo === "string") {
      const m = SECRET_SHAPE.exec(config.secret_wo);
      const type = typeof config.type === "string" ? config.type : "live";
      // Never the value itself in a diagnostic: only what is wrong with it.
      if (!m) diags.push(error("Invalid secret_wo", "secret_wo must be a keyform secret such as ephemeral.keyform_secret.<name>.value (brand_type_ then 36 base62 characters).", "secret_wo"));
      else if (isSet(config.type) && m[1] !== type) diags.push(error("Invalid secret_wo", `secret_wo is a ${m[1]} secret; a ${type} key needs a ${type} one (keyform_secret type = "${type}").`, "secret_wo"));
    }
    return diags;
  }

  plan(prior: ObjectValue | null, proposed: ObjectValue | null, config: ObjectValue | null, capabilities?: ClientCapabilities, priorPrivate?: Buffer): PlanResult {
    if (proposed === null || config === null) return { planned: null, requiresReplace: [], diagnostics: [] };
    const diagnostics = this.validate(config, capabilities);
    // Write-only: never in a plan, whatever Terraform proposes.
    const planned: ObjectValue = { ...proposed, secret_wo: null };
    // The provider's account is the default of the resource's: a new provider account moves (replaces) keys.
    planned.account = config.account ?? this.ctx.account;
    if (planned.account === null) {
      diagnostics.push(error("No account", "Set account on the resource or on the keyform provider (or KEYFORM_ACCOUNT).", "account"));
    }
    if (config.type === null) planned.type = "live";

    if (prior === null) return this.planCreate(planned, config, diagnostics);

    const record = readSecretRecord(priorPrivate);
    const issuedAt = secretIssuedAt(prior, record);
    const supplied = config.secret_wo !== null;
    const now = this.ctx.now();
    // The one per-instance decision (core/diff), shared with keyform's own planner.
    const diff = diffApiKey(
      {
        type: str(prior.type) as KeyType, account: str(prior.account)!, name: str(prior.name)!, scopes: list(prior.scopes), expires_in: str(prior.expires_in),
        expires_at: str(prior.expires_at), rotate_every: str(prior.rotate_every), rotation_overlap: str(prior.rotation_overlap), secretIssuedAt: issuedAt,
        // Read drops an expired key from state (Terraform then plans a new one), unless its fixed
        // expires_at has passed: then it stays, and the diff says no new key can be made with it.
        expired: str(prior.type) !== "temp" && isPast(prior.expires_at, now),
        regeneratedOutside: typeof prior.secret === "string" && typeof prior.masked === "string" && !secretMatchesMasked(prior.secret, prior.masked),
        secretVersion: typeof prior.secret_wo_version === "number" ? prior.secret_wo_version : null,
      },
      {
        type: str(planned.type) as KeyType, account: str(planned.account), name: str(planned.name), scopes: list(planned.scopes), expires_in: str(config.expires_in),
        expires_at: str(config.expires_at), rotate_every: str(config.rotate_every), rotation_overlap: str(config.rotation_overlap), secretSupplied: supplied,
        secretVersion: typeof config.secret_wo_version === "number" ? config.secret_wo_version : null,
      },
      { now },
    );
    const requiresReplace: PlanResult["requiresReplace"] = diff.replacePaths.map((attr) => attributePath(attr));
    if (diff.expiredInPast) diagnostics.push(expiredInPastWarning(str(prior.id)!, str(prior.expires_at)!));
    const versionBump = diff.regenerate === "secret_version";
    // A due rotation or a secret regenerated outside Terraform has no changed argument to point at:
    // the planned change of a computed attribute that a new key brings carries the replacement.
    if (diff.rotationDue && supplied && !versionBump) {
      diagnostics.push(warning("Key rotation due", `${str(prior.id)}: rotate_every = "${str(config.rotate_every)}" has passed since its secret was issued; its secret comes from secret_wo, so change secret_wo_version (and the consumer's) to rotate it.`, "secret_wo_version"));
    } else if (diff.regenerate === "rotation_due") {
      diagnostics.push(warning("Key rotation due", `${str(prior.id)}: rotate_every = "${str(config.rotate_every)}" has passed since its secret was issued; the key is regenerated in place (same id), and ${overlapNote(str(config.rotation_overlap), now, str(prior.last_used_at))}.`, "rotate_every"));
    } else if (diff.cause === "rotate_every_due") {
      diagnostics.push(warning("Key rotation due", `${str(prior.id)} was created ${str(prior.created_at)}, more than rotate_every = "${str(config.rotate_every)}" ago; it is replaced by a new key.`, "rotate_every"));
      planned.created_at = UNKNOWN;
      requiresReplace.push(attributePath("created_at"));
    }
    if (diff.cause === "regenerated_outside") {
      diagnostics.push(warning("Key regenerated outside Terraform", `The secret in state no longer matches ${str(prior.masked)}; the key is replaced so that Terraform knows its secret.`, "secret"));
      planned.secret = UNKNOWN;
      requiresReplace.push(attributePath("secret"));
    } else if (prior.secret === null && record && record.masked !== prior.masked && supplied && !versionBump) {
      diagnostics.push(warning("Key regenerated outside Terraform", `${str(prior.id)} is now ${str(prior.masked)}, not the secret secret_wo gave it (${record.masked}); change secret_wo_version (and the consumer's) to write a new secret.`, "secret_wo_version"));
    }
    if (requiresReplace.length > 0) {
      if (supplied) {
        diagnostics.push(warning("Key with a write-only secret replaced", "The new key gets this apply's secret_wo; change secret_wo_version (and the consumer's) in the same apply so that the consumer receives it too.", "secret_wo"));
      }
      // Terraform plans the new object again with no prior state; this plan only has to show the change.
      for (const attr of SERVER_COMPUTED) planned[attr] = UNKNOWN;
      if (supplied) planned.secret = null;
      return { planned, requiresReplace, diagnostics };
    }

    // Update in place. Expiry arguments move together: the server derives one from the other.
    if (diff.updates.includes("expires_at")) {
      diagnostics.push(...expiryDiagnostics(config, now));
      // The server forgets expires_in when given expires_at; one given before shows as changing.
      if (config.expires_in === null && prior.expires_in !== null) planned.expires_in = UNKNOWN;
    }
    if (config.expires_at === null && isSet(config.expires_in) && !sameValue(config.expires_in, prior.expires_in)) {
      planned.expires_at = config.expires_in === "never" ? null : UNKNOWN;
    }
    planned.rotation_due_at = rotationDueValue(issuedAt, config.rotate_every);
    const regenerate = diff.regenerate !== null;
    if (versionBump) {
      diagnostics.push(warning("Key secret replaced from secret_wo", `secret_wo_version changed: ${str(prior.id)} is regenerated in place with this apply's secret_wo, and ${overlapNote(str(config.rotation_overlap), this.ctx.now(), str(prior.last_used_at))}.`, "secret_wo_version"));
    }
    if (regenerate) {
      // A new secret: its masked form, its rotation time and (for an expires_in key) its expiry follow from the apply.
      planned.masked = UNKNOWN;
      planned.secret = supplied ? null : UNKNOWN;
      if (isSet(config.rotate_every)) planned.rotation_due_at = UNKNOWN;
      if (typeof planned.expires_in === "string" && planned.expires_in !== "never" && config.expires_at === null) planned.expires_at = UNKNOWN;
    }
    return { planned, requiresReplace, diagnostics };
  }

  private planCreate(planned: ObjectValue, config: ObjectValue, diagnostics: Diagnostic[]): PlanResult {
    diagnostics.push(...expiryDiagnostics(config, this.ctx.now()));
    for (const attr of SERVER_COMPUTED) planned[attr] = UNKNOWN;
    for (const a of OPTIONAL_COMPUTED) {
      if (config[a.tfName] === null && a.tfName !== "account") planned[a.tfName] = a.default ?? UNKNOWN;
    }
    if (config.scopes === null) planned.scopes = []; // a key created without scopes has none
    if (config.expires_in === "never" && config.expires_at === null) planned.expires_at = null;
    if (isSet(config.expires_at) && config.expires_in === null) planned.expires_in = null;
    if (config.secret_wo !== null) planned.secret = null; // the secret is the caller's: never in state
    if (config.rotate_every === null) planned.rotation_due_at = null;
    return { planned, requiresReplace: [], diagnostics };
  }

  async apply(prior: ObjectValue | null, planned: ObjectValue | null, config: ObjectValue | null, priorPrivate?: Buffer): Promise<ApplyResult> {
    const client = this.ctx.client();
    if (planned === null) {
      if (prior && typeof prior.id === "string") await client.revokeKey(accountOf(prior), prior.id);
      return { state: null };
    }
    const account = accountOf(planned);
    const supplied = str(config?.secret_wo ?? null);
    if (prior === null) {
      const created = await client.createKey(account, {
        name: str(planned.name)!,
        type: (str(planned.type) ?? "live") as "live" | "temp",
        ...(isSet(planned.expires_in) ? { expires_in: str(planned.expires_in)! } : {}),
        ...(isSet(planned.expires_at) ? { expires_at: str(planned.expires_at)! } : {}),
        ...(Array.isArray(planned.scopes) ? { scopes: planned.scopes } : {}),
        ...(supplied !== null ? { secret: supplied } : {}),
      });
      return this.result(created.key, planned, supplied !== null ? null : created.secret, Date.parse(created.key.created_at));
    }

    const id = str(prior.id)!;
    let record = readSecretRecord(priorPrivate);
    let secret: Value = prior.secret;
    let view: KeyView | null = null;
    if (isUnknown(planned.masked)) {
      // An in-place regeneration: a due rotation with rotation_overlap, or a new secret_wo_version.
      const grace = overlapMs(str(planned.rotation_overlap)) ?? 0;
      const regenerated = await client.regenerateKey(account, id, { grace_period: Math.round(grace / 1000), ...(supplied !== null ? { secret: supplied } : {}) });
      view = regenerated.key;
      secret = supplied !== null ? null : regenerated.secret;
      record = { issued_at: new Date(this.ctx.now()).toISOString(), masked: view.masked };
    }
    const patch: PatchKeyBody = {};
    if (planned.name !== prior.name) patch.name = str(planned.name)!;
    if (Array.isArray(planned.scopes) && !sameValue(planned.scopes, prior.scopes)) patch.scopes = planned.scopes;
    if (isSet(planned.expires_at) && !sameValue(planned.expires_at, prior.expires_at)) patch.expires_at = str(planned.expires_at)!;
    else if (isSet(planned.expires_in) && !sameValue(planned.expires_in, prior.expires_in)) patch.expires_in = str(planned.expires_in)!;
    const issuedAt = record ? Date.parse(record.issued_at) : secretIssuedAt(prior, null);
    try {
      if (Object.keys(patch).length > 0) view = await client.patchKey(account, id, patch);
      else if (view === null) view = await client.getKey(account, id);
    } catch (err) {
      // The secret did change: Terraform must keep the new one (and its record) even though the update failed.
      if (view !== null) throw new PartialApplyError(this.result(view, { ...prior, masked: UNKNOWN, expires_at: UNKNOWN, rotation_due_at: UNKNOWN }, secret, issuedAt).state!, writeSecretRecord(record!), err);
      throw err;
    }
    if (view === null) throw new KeyformError(404, "NOT_FOUND", `key ${id} no longer exists in account ${account}`);
    return this.result(view, planned, secret, issuedAt, record);
  }

  private result(view: KeyView, planned: ObjectValue, secret: Value, issuedAt: number, record?: SecretRecord | null): ApplyResult {
    const keep: SecretRecord = record ?? { issued_at: new Date(issuedAt).toISOString(), masked: view.masked };
    return { state: stateFromView(view, planned, secret, rotationDueValue(issuedAt, planned.rotate_every)), privateData: writeSecretRecord(keep) };
  }

  /** The key as the server has it now; null ("gone") when revoked, deleted, expired or used up. */
  async read(current: ObjectValue, privateData?: Buffer): Promise<ObjectValue | null> {
    if (typeof current.id !== "string") return null;
    const view = await this.ctx.client().getKey(accountOf(current), current.id);
    if (view === null) return null;
    // An expired key whose fixed expires_at has passed stays in state: a new key could not be made with
    // that expires_at, so plan keeps it (with a warning) and destroy can still revoke it.
    const expiredKept = view.status === "expired" && view.type !== "temp" && view.expires_in === null && view.expires_at !== null;
    if (view.status !== "active" && !expiredKept) return null;
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
      secret_wo: null,
      // States written before rotation_due_at existed get it here, so that the plan shows no change.
      rotation_due_at: rotationDueValue(secretIssuedAt({ ...current, created_at: view.created_at }, readSecretRecord(privateData)), current.rotate_every),
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
      rotation_overlap: null,
      secret_wo: null,
      secret_wo_version: null,
      secret: null,
      masked: view.masked,
      created_at: view.created_at,
      last_used_at: view.last_used_at,
      rotation_due_at: null,
    };
  }
}

/** Whether a configured or stored instant has passed. */
const isPast = (v: Value, now: number): boolean => typeof v === "string" && !Number.isNaN(Date.parse(v)) && Date.parse(v) <= now;

/** The reconciler's words ("Expired key not replaced"), for the same case. */
function expiredInPastWarning(id: string, expiresAt: string): Diagnostic {
  return warning(
    "Expired key not replaced",
    `${id} expired at ${expiresAt}, and its expires_at has passed, so no new key can be made with it: set a new expires_at (or expires_in) to replace it, or remove the resource. Nothing else in this plan is held up.`,
    "expires_at",
  );
}

const list = (v: Value): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

function accountOf(v: ObjectValue): string {
  if (typeof v.account !== "string") throw new Error("The key's account is not known; set account on the resource or the provider.");
  return v.account;
}
