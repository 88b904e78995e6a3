import { Type } from "@sinclair/typebox";

const Address = Type.String({ minLength: 1, maxLength: 512, description: "A resource address such as keyform_api_key.ci or keyform_api_key.k[\"a\"]." });

export const PlanBody = Type.Object(
  {
    config: Type.Object({}, { additionalProperties: true, description: "Terraform JSON configuration: a cdktf cdk.tf.json or a hand-written *.tf.json." }),
    variables: Type.Optional(
      Type.Object({}, {
        additionalProperties: true,
        maxProperties: 1000,
        description: "Values of the configuration's input variables (terraform -var, -var-file, TF_VAR_name), by variable name; converted to each variable's declared type.",
      }),
    ),
    refresh: Type.Optional(Type.Boolean({ description: "Compare with the live key rows (default true)." })),
    destroy: Type.Optional(Type.Boolean({ description: "Plan to destroy every resource of the stack." })),
    replace: Type.Optional(Type.Array(Address, { maxItems: 1000, description: "Force replacement of these addresses (terraform -replace)." })),
    target: Type.Optional(Type.Array(Address, { maxItems: 1000, description: "Limit the plan to these addresses (terraform -target)." })),
  },
  { additionalProperties: false },
);

export const PlanQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal("keyform"), Type.Literal("json"), Type.Literal("text"), Type.Literal("markdown")], {
        description:
          "`keyform` (default): the plan's keyform fields with Terraform's JSON plan under `terraform`; `json`: the bare Terraform JSON plan, as `terraform show -json PLANFILE` prints it; `text`: Terraform-style text; `markdown`: a pull-request comment.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const UnlockBody = Type.Object({ lock_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const NoBody = Type.Object({}, { additionalProperties: false });

/** Another owner's stack, for the operator: `?owner=acme` names account acme's stack of that name. */
export const StackOwnerQuery = Type.Object(
  {
    owner: Type.Optional(
      Type.String({ pattern: "^[a-z0-9-]{1,64}$", description: "Operator only: the account that owns the stack (default: the caller's own namespace)." }),
    ),
  },
  { additionalProperties: false },
);
