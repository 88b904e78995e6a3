import type { KeyTerms } from "../../core/keys/terms";
/**
 * Plain-data shapes of the reconciler: what the parser produces (DesiredConfig), what the caller
 * fetches from the database (CurrentState), and what `plan()` returns (Plan). No classes, no Dates:
 * everything here survives JSON.stringify unchanged, so a stored plan is exactly what was computed.
 */

export type KeyTypeName = "live" | "temp" | "legacy";

export interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail: string;
  address?: string;
  /** The ErrorCode the key service would answer with for the same refusal (policy diagnostics). */
  code?: string;
  /** The argument of the resource it is about (`expires_at`), when there is one: Terraform's attribute path. */
  attribute?: string;
}

// ---------------------------------------------------------------- current (fetched by the caller)

/** One resource instance in the stack's stored state. */
export interface StateResource {
  address: string; // keyform_api_key.ci | keyform_api_key.k["a"] | keyform_api_key.k[0]
  keyId: string;
  account: string;
  attributes: {
    name: string;
    type: KeyTypeName;
    expires_in: string | null;
    expires_at: string | null; // ISO
    scopes: string[];
    rotate_every: string | null;
    /** Absent in states written before rotation_overlap existed. */
    rotation_overlap?: string | null;
    rotation_due_at?: string | null; // ISO
    created_at: string; // ISO
    masked: string;
  };
  generation: number; // the key's secret generation when last applied
  /** When the current secret was issued (ISO): what rotate_every counts from. Absent: created_at. */
  secretIssuedAt?: string;
  dependencies: string[];
}

export interface StackState {
  stack: string;
  lineage: string;
  serial: number;
  resources: StateResource[];
  outputs: Record<string, { sensitive: boolean; value: unknown /* null when sensitive */ }>;
}

export interface LiveKey {
  id: string;
  account: string;
  name: string;
  type: KeyTypeName;
  scopes: string[];
  expiresIn: string | null;
  expiresAt: number | null;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  status: "active" | "expired" | "revoked" | "exhausted";
  generation: number;
  stack: string | null;
  stackAddress: string | null;
  masked: string;
}

export interface AccountInfo {
  id: string;
  keyLimit: number;
  maxExpiry: string | null;
  activeKeys: number; // live + legacy, whole account, including keys this stack owns
  activeTempKeys: number;
  activeNames: Record<string, string>; // active key name → key id, whole account
}

export interface CurrentState {
  stack: string;
  state: StackState | null; // null: never applied
  /** Refresh: rows for every keyId in state and every import id; missing = deleted. */
  liveKeys: Record<string, LiveKey | undefined>;
  /** Every account referenced by config or state; undefined = no such account. */
  accounts: Record<string, AccountInfo | undefined>;
  /** For data sources. byName is keyed `${account}/${name}`. */
  lookups: { byId: Record<string, LiveKey | undefined>; byName: Record<string, LiveKey | undefined> };
  /** The server's temp-key terms (lifetime, uses, cap per account). */
  terms: KeyTerms;
}

export interface PlanOptions {
  refresh?: boolean; // default true
  destroy?: boolean;
  replace?: string[];
  target?: string[];
}

// ---------------------------------------------------------------- desired (parser output)

/** A reference to an attribute of a keyform object: `keyform_api_key.ci.secret`, `data.keyform_api_key.x.id`. */
export interface AttributeRef {
  address: string; // instance address (`keyform_api_key.k["a"]`) or data address (`data.keyform_api_key.x`)
  attribute: string | null; // null: the whole object (replace_triggered_by)
}

/** An output's value: a literal, one reference, or a string template mixing both. */
export type OutputExpression =
  | { kind: "literal"; value: unknown }
  | { kind: "ref"; ref: AttributeRef }
  | { kind: "template"; parts: Array<string | AttributeRef> };

export interface DesiredLifecycle {
  prevent_destroy: boolean;
  create_before_destroy: boolean;
  ignore_changes: string[] | "all";
  /** Resource instance addresses (attribute null) or attribute references; a resource-level address covers all its instances. */
  replace_triggered_by: AttributeRef[];
}

/** One expanded resource instance (after count / for_each). */
export interface DesiredResource {
  address: string;
  resourceAddress: string; // keyform_api_key.k (without index)
  name: string; // logical name (`k`)
  index?: number | string;
  account: string | null; // null only when a diagnostic already reports it
  provider: string; // provider config key: `keyform` or `keyform.alias`
  args: {
    name: string | null;
    type: KeyTypeName | null; // null: not configured (live on create, kept on existing keys)
    expires_in: string | null;
    expires_at: string | null;
    scopes: string[] | null; // null: not configured
    rotate_every: string | null;
    rotation_overlap: string | null;
  };
  /** Which arguments the configuration sets (for ignore_changes and "configured value" semantics). */
  configured: string[];
  lifecycle: DesiredLifecycle;
  /** Resource addresses (without index) or instance addresses this one depends on, explicit and implicit. */
  dependsOn: string[];
  /** Raw argument expressions, for the `configuration` block of the JSON plan. */
  expressions: Record<string, unknown>;
  countExpression?: unknown;
  forEachExpression?: unknown;
  /** Arguments known only after apply (`args.name` is then null): literal text and references to other keys' attributes. */
  deferred?: { name?: DeferredString };
  /** Arguments built from a sensitive variable: shown as (sensitive value) (`after_sensitive`). */
  sensitiveArgs?: string[];
  /** An argument could not be evaluated (already reported): the plan fails, and no rule is judged on this instance. */
  invalid?: true;
}

/** A string known only after apply: literal parts and attributes of other keys, resolved in dependency order. */
export type DeferredString = Array<string | AttributeRef>;

export interface DesiredDataSource {
  address: string; // data.keyform_api_key.x
  name: string;
  account: string | null;
  provider: string;
  by: { id: string } | { name: string };
  expressions: Record<string, unknown>;
}

export interface DesiredOutput {
  name: string;
  sensitive: boolean;
  description?: string;
  expression: OutputExpression;
  rawExpression: unknown;
}

export interface DesiredProvider {
  key: string; // `keyform` or `keyform.alias`
  alias: string | null;
  account: string | null;
  endpoint: string | null;
}

export interface DesiredConfig {
  stackName: string | null;
  /** `terraform.required_providers.keyform.version`, when given. */
  providerVersionConstraint?: string;
  providers: DesiredProvider[];
  resources: DesiredResource[]; // sorted by address
  dataSources: DesiredDataSource[]; // sorted by address
  outputs: DesiredOutput[]; // sorted by name
  imports: Array<{ id: string; to: string }>;
  moves: Array<{ from: string; to: string }>;
  removed: Array<{ from: string; destroy: boolean }>;
  /** Resource addresses (without index) using count (number) or for_each (string keys). */
  expansion: Record<string, "single" | "count" | "for_each">;
  diagnostics: Diagnostic[];
  /** An evaluation limit was exceeded: the configuration was not fully read and is not planned (see EvaluationLimits). */
  refused?: true;
}

// ---------------------------------------------------------------- plan (plan() output)

/** The full attribute set of a `keyform_api_key` object as Terraform shows it (secret never included). */
export interface KeyValues {
  account: string;
  created_at: string | null;
  expires_at: string | null;
  expires_in: string | null;
  id: string | null;
  last_used_at: string | null;
  masked: string | null;
  name: string;
  rotate_every: string | null;
  rotation_due_at: string | null;
  rotation_overlap: string | null;
  scopes: string[];
  status: string | null;
  type: KeyTypeName;
}

export interface DesiredKey {
  name: string;
  type: KeyTypeName;
  expires_in: string | null;
  expires_at: string | null;
  scopes: string[];
  rotate_every: string | null;
  rotation_overlap: string | null;
  /** The name is known only after apply (`name` is then ""): apply builds it from these parts, in dependency order, and checks it then. */
  deferredName?: DeferredString;
}

export type ChangeAction = "create" | "update" | "replace" | "delete" | "import" | "move" | "noop" | "forget";

/** Terraform's action_reason values, plus none. */
export type ActionReason =
  | "replace_because_cannot_update"
  | "replace_because_tainted"
  | "replace_by_request"
  | "replace_by_triggers"
  | "delete_because_no_resource_config"
  | "delete_because_count_index"
  | "delete_because_each_key";

/** One step for the apply executor. */
export interface PlannedChange {
  address: string;
  action: ChangeAction;
  /** The existing key this step acts on (update/replace/delete/import/move/noop/forget). */
  keyId?: string;
  /** A state entry whose key vanished outside the stack; `create` supersedes it. */
  staleKeyId?: string;
  account: string;
  previousAddress?: string;
  createBeforeDestroy?: boolean;
  actionReason?: ActionReason;
  /** Why, in keyform's words: `rotate_every_due`, `rotation_due` (in place), `regenerated_outside`, `expired`, `type_changed` … */
  reason?: string;
  /** Target configuration of the key after this step (absent for delete/forget). */
  desired?: DesiredKey;
  /** For update and import: the attributes apply must change on the existing key. */
  updates?: Array<keyof DesiredKey>;
  /** For update: regenerate the key's secret in place (a due rotation with rotation_overlap), the old one living on for the overlap. */
  regenerate?: boolean;
  /** Addresses (instances) this resource depends on, as stored in state after apply. */
  dependencies: string[];
}

export interface PlannedOutput {
  name: string;
  sensitive: boolean;
  expression: OutputExpression;
  /** Value known at plan time (never a secret); absent when unknown or withheld. */
  value?: unknown;
  known: boolean;
}

/** One entry of resource_changes / resource_drift, already in Terraform's JSON shape. */
export interface ResourceChangeEntry {
  address: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: number | string;
  previous_address?: string;
  provider_name: string;
  change: {
    actions: string[];
    before: KeyValues | null;
    after: Partial<KeyValues> | null;
    after_unknown: Record<string, unknown> | false;
    before_sensitive: Record<string, unknown> | false;
    after_sensitive: Record<string, unknown> | false;
    replace_paths?: string[][];
    importing?: { id: string };
  };
  action_reason?: ActionReason;
}

export interface OutputChangeEntry {
  actions: string[];
  before: unknown;
  after: unknown;
  after_unknown: boolean;
  before_sensitive: boolean;
  after_sensitive: boolean;
}

export interface PlanSummary {
  import: number;
  add: number;
  change: number;
  destroy: number;
  /** Objects dropped from the stack but left active (`removed` blocks with destroy = false). */
  forget: number;
}

export interface ValuesResource {
  address: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: number | string;
  provider_name: string;
  schema_version: 0;
  values: Partial<KeyValues>;
  sensitive_values: Record<string, unknown>;
}

/** What a principal must hold to apply a plan (see plan-applier.ts); apply checks each step for real. */
export interface ApplierNeeds {
  /** Accounts whose keys the apply changes: keys:manage on each (more than one: the operator token). */
  accounts: string[];
  /** Scopes of every key the apply creates, changes, adopts or revokes: the applier must hold them all. */
  scopes: string[];
  /** How long the applier must live: as long as the longest-lived key the apply touches or makes. */
  lifetime: { never: true } | { expires_at_or_later: string | null; lives_at_least: string | null };
  /** The apply creates, adopts or regenerates keys, which a temp key may not do. */
  creates_keys: boolean;
}

export interface Plan {
  stack: string;
  createdAt: number;
  options: { refresh: boolean; destroy: boolean; replace: string[]; target: string[] };
  /** Apply steps: moves, then deletes (dependents first), then the rest in dependency order. */
  changes: PlannedChange[];
  outputs: PlannedOutput[];
  summary: PlanSummary;
  diagnostics: Diagnostic[];
  errored: boolean;
  hasChanges: boolean;
  applier: ApplierNeeds;
  /** Terraform JSON plan pieces (rendered by render/plan-json.ts). */
  terraform: {
    resourceDrift: ResourceChangeEntry[];
    resourceChanges: ResourceChangeEntry[];
    outputChanges: Record<string, OutputChangeEntry>;
    plannedValues: { outputs: Record<string, { sensitive: boolean; value?: unknown }>; resources: ValuesResource[] };
    priorState: { outputs: Record<string, { sensitive: boolean; value?: unknown }>; resources: ValuesResource[] } | null;
    configuration: Record<string, unknown>;
  };
  /** Extra human lines the text renderer prints under a change header, by address. */
  notes: Record<string, string[]>;
}
