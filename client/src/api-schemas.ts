/**
 * The response bodies of keyform's REST API (v1), as TypeBox schemas: the server declares them on its
 * routes (they are what `/openapi.json` documents, and its tests validate real answers against them),
 * and this client derives its types from them (`Static<typeof …>`, types.ts). They live here, in the
 * client package, because the client may not import the server; the server imports them from here.
 *
 * Objects are closed (`additionalProperties: false`) so that a schema which leaves out a field the
 * server sends is caught by the response-validation tests. Terraform's own documents (plan JSON, state
 * JSON) are described by their top-level members only: TERRAFORM-FORMATS.md is their contract.
 */
import { Type, type TProperties, type TSchema } from "@sinclair/typebox";

const Obj = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: "date-time" });
const NullableTime = Nullable(Time);
const Literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

// ---------------------------------------------------------------- keys

export const KeyTypeSchema = Literals(["live", "temp", "legacy"] as const);
export const KeyStatusSchema = Literals(["active", "expired", "revoked", "exhausted"] as const);

/** The public shape of a key: never its secret or hash. */
export const KeyViewSchema = Obj(
  {
    id: Type.String({ description: "key_ followed by 24 base62 characters." }),
    account: Type.String(),
    name: Type.String(),
    type: KeyTypeSchema,
    masked: Type.String({ description: "The secret with all but its ends hidden." }),
    scopes: Type.Array(Type.String()),
    status: KeyStatusSchema,
    created_at: Time,
    expires_in: Nullable(Type.String({ description: "The lifetime the key was created with, e.g. 90d." })),
    expires_at: NullableTime,
    last_used_at: NullableTime,
    uses: Type.Integer({ minimum: 0 }),
    remaining_uses: Nullable(Type.Integer({ minimum: 0, description: "Temp keys: verifications left." })),
    managed_by_stack: Nullable(Type.String({ description: "The stack that owns the key, if any." })),
    managed_by_stack_owner: Nullable(Type.String({ description: "The account owning that stack; null for the operator's stacks." })),
  },
  "A key, masked.",
);

export const SecretFormatsSchema = Obj(
  {
    shell: Type.String({ description: 'export KEYFORM_API_KEY="…"' }),
    base64: Type.String(),
    kubernetes: Type.String({ description: "A YAML Kubernetes Secret named after the key, data key KEYFORM_API_KEY." }),
  },
  "The secret, ready to paste where it is going.",
);

/** Create and regenerate: the only answers that ever hold a secret. */
export const KeyWithSecretSchema = Obj(
  { key: KeyViewSchema, secret: Type.String({ description: "Shown once." }), formats: SecretFormatsSchema },
  "A key with its new secret: the only time the secret is shown.",
);

export const KeyResponseSchema = Obj({ key: KeyViewSchema });

export const KeyListSchema = Obj({
  keys: Type.Array(KeyViewSchema),
  next_cursor: Nullable(Type.String({ description: "Pass as ?cursor= for the next page; null on the last." })),
});

export const UsageBucketSchema = Obj({
  minute: Time,
  operation: Type.String({ description: "e.g. verify, auth" }),
  source: Type.String({ description: "Client address." }),
  count: Type.Integer({ minimum: 0 }),
});

export const KeyWithUsageSchema = Obj({ key: KeyViewSchema, usage: Type.Array(UsageBucketSchema, { description: "Newest first." }) });

export const RevokeAllResultSchema = Obj({
  revoked: Type.Integer({ minimum: 0, description: "Keys this call revoked." }),
  left: Type.Integer({ minimum: 0, description: "Active keys left (ones this caller may not revoke)." }),
});

// ---------------------------------------------------------------- verify

export const VerifyCodeSchema = Literals(["VALID", "MALFORMED", "NOT_FOUND", "EXPIRED", "USAGE_EXCEEDED", "INSUFFICIENT_SCOPES"] as const);

export const VerifyResultSchema = Obj(
  {
    valid: Type.Boolean(),
    code: VerifyCodeSchema,
    key_id: Type.Optional(Type.String()),
    account: Type.Optional(Type.String()),
    type: Type.Optional(KeyTypeSchema),
    scopes: Type.Optional(Type.Array(Type.String())),
    expires_at: Type.Optional(NullableTime),
    remaining_uses: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  },
  "Always 200: the key's facts are present unless the code is MALFORMED or NOT_FOUND.",
);

// ---------------------------------------------------------------- accounts

export const AccountViewSchema = Obj({
  id: Type.String(),
  name: Nullable(Type.String()),
  key_limit: Type.Integer({ minimum: 1 }),
  max_expiry: Nullable(Type.String({ description: "Longest lifetime a key may have, e.g. 90d." })),
  temp_key_cap: Type.Integer({ minimum: 0 }),
  active_keys: Type.Integer({ minimum: 0 }),
  active_temp_keys: Type.Integer({ minimum: 0 }),
  created_at: Time,
});

export const AccountResponseSchema = Obj({ account: AccountViewSchema });

export const AuditEventSchema = Obj({
  id: Type.Integer(),
  at: Time,
  actor: Type.String({ description: "operator, key:<id> or stack:<name>." }),
  action: Type.String({ description: "e.g. key.create, key.revoke, account.update." }),
  target: Nullable(Type.String()),
  source: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const AuditLogSchema = Obj({
  events: Type.Array(AuditEventSchema),
  next_before: Nullable(Type.Integer({ description: "Pass as ?before= for older events; null on the last page." })),
});

// ---------------------------------------------------------------- stacks, plans, apply

export const DiagnosticSchema = Obj({
  severity: Literals(["error", "warning"] as const),
  summary: Type.String(),
  detail: Type.String(),
  address: Type.Optional(Type.String()),
  code: Type.Optional(Type.String({ description: "The ErrorCode the key API would answer for the same refusal." })),
  attribute: Type.Optional(Type.String({ description: "The argument the refusal is about, as the provider plugin and the constructs name it." })),
});

export const PlanSummarySchema = Obj({
  import: Type.Integer({ minimum: 0 }),
  add: Type.Integer({ minimum: 0 }),
  change: Type.Integer({ minimum: 0 }),
  destroy: Type.Integer({ minimum: 0 }),
  forget: Type.Integer({ minimum: 0 }),
});

export const ApplierNeedsSchema = Obj(
  {
    accounts: Type.Array(Type.String()),
    scopes: Type.Array(Type.String()),
    lifetime: Type.Union([
      Obj({ never: Type.Literal(true) }),
      Obj({ expires_at_or_later: NullableTime, lives_at_least: Nullable(Type.String()) }),
    ]),
    creates_keys: Type.Boolean(),
  },
  "What a principal must hold to apply the plan.",
);

/** Terraform's JSON plan format (`terraform show -json`); its members are Terraform's. */
export const TerraformPlanSchema = Type.Object(
  {
    format_version: Type.String(),
    terraform_version: Type.String(),
    planned_values: Type.Object({}),
    resource_drift: Type.Optional(Type.Array(Type.Object({}), { description: "Left out when nothing changed outside, as Terraform does." })),
    resource_changes: Type.Array(Type.Object({})),
    output_changes: Type.Object({}),
    prior_state: Type.Optional(Type.Object({})),
    configuration: Type.Object({}),
    relevant_attributes: Type.Optional(Type.Array(Type.Object({ resource: Type.String(), attribute: Type.Array(Type.Unknown()) }))),
    timestamp: Type.String(),
    applyable: Type.Boolean(),
    complete: Type.Boolean(),
    errored: Type.Boolean(),
  },
  { description: "Terraform's JSON plan format, as `terraform show -json` writes it." },
);

export const PlanViewSchema = Obj(
  {
    id: Type.String({ description: "plan_ followed by 24 base62 characters." }),
    stack: Type.String(),
    owner: Nullable(Type.String({ description: "The account owning the stack; null for the operator's stacks." })),
    serial: Type.Integer({ description: "The state serial the plan was made against." }),
    lineage: Nullable(Type.String()),
    created_at: Time,
    expires_at: Time,
    applied_at: NullableTime,
    errored: Type.Boolean(),
    has_changes: Type.Boolean(),
    summary: PlanSummarySchema,
    diagnostics: Type.Array(DiagnosticSchema),
    applier: Nullable(ApplierNeedsSchema),
    terraform: TerraformPlanSchema,
  },
  "A stored plan (the default, ?format=keyform); ?format=json answers its `terraform` member alone, and ?format=text or ?format=markdown the same plan rendered as text/plain or text/markdown.",
);

export const ChangeActionSchema = Literals(["create", "update", "replace", "delete", "import", "move", "noop", "forget"] as const);

export const ApplyResultSchema = Obj({
  plan_id: Type.String(),
  stack: Type.String(),
  owner: Nullable(Type.String()),
  lineage: Type.String(),
  serial: Type.Integer(),
  summary: PlanSummarySchema,
  resources: Type.Array(
    Obj({
      address: Type.String(),
      action: ChangeActionSchema,
      key_id: Nullable(Type.String()),
      key: Type.Optional(KeyViewSchema),
      secret: Type.Optional(Type.String({ description: "Only for keys this apply created or regenerated." })),
    }),
  ),
  outputs: Type.Record(
    Type.String(),
    Obj({
      sensitive: Type.Boolean(),
      type: Type.Literal("string"),
      value: Type.Optional(Type.Unknown()),
      unavailable: Type.Optional(Type.Literal(true)),
      secret_of: Type.Optional(
        Type.Array(
          Obj({ account: Type.String(), id: Type.String(), type: Type.String(), expires_at: NullableTime }),
          { description: "The keys whose secrets the value holds, so that `keyform output` can refuse one that is no longer active." },
        ),
      ),
    }),
  ),
});

export const StackLockSchema = Obj({
  id: Type.String(),
  operation: Type.String(),
  who: Type.String(),
  info: Nullable(Type.String()),
  version: Type.String(),
  created: Time,
  expires_at: Time,
});

const stackSummaryProps = {
  name: Type.String(),
  owner: Nullable(Type.String({ description: "The account owning the stack; null for the operator's stacks." })),
  lineage: Type.String(),
  serial: Type.Integer(),
  lock: Nullable(StackLockSchema),
  created_at: Time,
  updated_at: Time,
};

export const StackSummarySchema = Obj({ ...stackSummaryProps, resources: Type.Integer({ minimum: 0, description: "Resources in the state." }) });

export const StackListSchema = Obj({ stacks: Type.Array(StackSummarySchema) });

export const PlanListItemSchema = Obj({
  id: Type.String(),
  created_at: Time,
  created_by: Type.String(),
  summary: Type.String({ description: 'One line, e.g. "1 to add, 0 to change, 0 to destroy" (the plan itself has the counts).' }),
  has_changes: Type.Boolean(),
  errored: Type.Boolean(),
  serial: Type.Integer(),
  applied_at: NullableTime,
  applied_by: Nullable(Type.String()),
});

export const StackDetailSchema = Obj({
  stack: Obj({
    ...stackSummaryProps,
    resources: Type.Array(
      Obj({ address: Type.String(), key_id: Type.String(), account: Type.String(), name: Type.String(), type: KeyTypeSchema, masked: Type.String() }),
    ),
    outputs: Type.Record(
      Type.String(),
      Type.Union([Obj({ sensitive: Type.Literal(true) }), Obj({ sensitive: Type.Literal(false), value: Type.Unknown() })]),
    ),
  }),
  plans: Type.Array(PlanListItemSchema, { description: "The stack's most recent plans, newest first." }),
});

/** Terraform state JSON, version 4, without secrets. */
export const TerraformStateSchema = Type.Object(
  {
    version: Type.Literal(4),
    terraform_version: Type.String(),
    serial: Type.Integer(),
    lineage: Type.String(),
    outputs: Type.Record(Type.String(), Type.Object({})),
    resources: Type.Array(Type.Object({})),
    check_results: Type.Null(),
  },
  { description: "Terraform state JSON (version 4), without secrets." },
);

export const UnlockResultSchema = Obj({ unlocked: Type.Literal(true), lock: StackLockSchema });

// ---------------------------------------------------------------- errors

/** RFC 9457 problem details; `code` is keyform's stable ErrorCode. Some codes add members (below). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: "A stable UPPER_SNAKE error code (ErrorCode)." }),
    detail: Type.String(),
    request_id: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Obj({ field: Type.String(), message: Type.String() }))),
    diagnostics: Type.Optional(Type.Array(DiagnosticSchema, { description: "PLAN_FAILED." })),
    plan_id: Type.Optional(Type.String({ description: "PLAN_FAILED of a stored plan." })),
    lock: Type.Optional(StackLockSchema),
    migrations: Type.Optional(Type.String()),
  },
  { description: "An error, as RFC 9457 problem details (application/problem+json)." },
);

/**
 * 422 PLAN_FAILED of POST /v1/stacks/:stack/plans: a plan that failed once its accounts were authorized
 * is stored, and rides along as `plan`; one that failed before (e.g. a configuration that does not
 * parse) has only `diagnostics`.
 */
export const PlanFailedProblemSchema = Type.Intersect([ProblemSchema, Type.Object({ plan: Type.Optional(PlanViewSchema) })], {
  description: "PLAN_FAILED: the diagnostics, and the stored failed plan in `plan` when it was evaluated.",
});

/**
 * Named schemas: `/openapi.json` lists them under components/schemas and refers to them with $ref
 * wherever a route's schema uses one of these very objects.
 */
export const API_SCHEMAS: Readonly<Record<string, TSchema>> = {
  KeyView: KeyViewSchema,
  SecretFormats: SecretFormatsSchema,
  KeyWithSecret: KeyWithSecretSchema,
  KeyList: KeyListSchema,
  UsageBucket: UsageBucketSchema,
  VerifyResult: VerifyResultSchema,
  AccountView: AccountViewSchema,
  AuditEvent: AuditEventSchema,
  Diagnostic: DiagnosticSchema,
  PlanSummary: PlanSummarySchema,
  ApplierNeeds: ApplierNeedsSchema,
  TerraformPlan: TerraformPlanSchema,
  Plan: PlanViewSchema,
  ApplyResult: ApplyResultSchema,
  StackLock: StackLockSchema,
  StackSummary: StackSummarySchema,
  Stack: StackDetailSchema,
  TerraformState: TerraformStateSchema,
  Problem: ProblemSchema,
  PlanFailedProblem: PlanFailedProblemSchema,
};
