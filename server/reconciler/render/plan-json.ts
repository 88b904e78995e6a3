import type { Plan } from "../reconciler.types";

/**
 * The version keyform claims to be. Plan readers (terraform-unidiff, infracost, Atlantis-style bots)
 * check `terraform_version` to pick a parser; 1.11 writes JSON plan format 1.2 — the format this file
 * emits — and is the Terraform our machines carry, so tools see a version they know.
 */
export const TERRAFORM_VERSION = "1.11.0";
export const PLAN_FORMAT_VERSION = "1.2";
export const STATE_FORMAT_VERSION = "1.0";

export interface PlanJsonMeta {
  terraformVersion?: string;
}

/** Terraform's JSON plan (`terraform show -json PLANFILE`) for a keyform plan. Never holds a secret. */
export function renderPlanJson(plan: Plan, meta: PlanJsonMeta = {}): Record<string, unknown> {
  const tf = plan.terraform;
  const version = meta.terraformVersion ?? TERRAFORM_VERSION;
  const doc: Record<string, unknown> = {
    format_version: PLAN_FORMAT_VERSION,
    terraform_version: version,
    planned_values: { outputs: tf.plannedValues.outputs, root_module: { resources: tf.plannedValues.resources } },
    resource_drift: tf.resourceDrift,
    resource_changes: tf.resourceChanges,
    output_changes: tf.outputChanges,
  };
  if (tf.priorState) {
    doc.prior_state = {
      format_version: STATE_FORMAT_VERSION,
      terraform_version: version,
      values: { outputs: tf.priorState.outputs, root_module: { resources: tf.priorState.resources } },
    };
  }
  doc.configuration = tf.configuration;
  doc.timestamp = new Date(plan.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  doc.applyable = !plan.errored && plan.hasChanges;
  doc.complete = true;
  doc.errored = plan.errored;
  return doc;
}
