import {
  ApplyResultSchema, PlanFailedProblemSchema, PlanViewSchema, StackDetailSchema, StackListSchema, TerraformPlanSchema, TerraformStateSchema, UnlockResultSchema,
} from "../../client/src/api-schemas";
import { Type } from "@sinclair/typebox";
import { route } from "../http/route";
import { rawBodyOf } from "../http/router";
import { NoBody, PlanBody, PlanQuery, StackOwnerQuery, UnlockBody } from "./stack.schemas";
import type { StackService } from "./stack.service";

export function stackRoutes(stacks: StackService, planConfigLimitBytes: number) {
  return [
    route({
      method: "post", path: "/v1/stacks/:stack/plans", tag: "stacks", status: 201, body: PlanBody, query: StackOwnerQuery, bodyLimit: planConfigLimitBytes, rawBody: true,
      responses: { 201: PlanViewSchema, 422: PlanFailedProblemSchema },
      summary: "Plan a stack's Terraform JSON configuration against its state and the live keys. Stored for 24 hours; 422 PLAN_FAILED when a policy is violated or an evaluation limit is exceeded.",
      // The body is parsed and validated (against PlanBody) by the plan worker, off the request thread.
      handler: (c) => stacks.plan(c, c.params.stack, rawBodyOf(c.req), c.query.owner, c.res.locals.requestId as string | undefined),
    }),
    route({
      method: "get", path: "/v1/plans/:planId", tag: "stacks", query: PlanQuery, responses: { 200: Type.Union([PlanViewSchema, TerraformPlanSchema]) },
      summary: "A stored plan: keyform's JSON (default, `?format=keyform`: id, summary, diagnostics, applier, with Terraform's JSON plan under `terraform`), the bare Terraform JSON plan exactly as `terraform show -json` prints it (`?format=json`), Terraform-style text, or Markdown for a pull request.",
      handler: async (c) => {
        const r = await stacks.getPlan(c, c.params.planId, c.query.format);
        if ("text" in r && typeof r.text === "string") {
          c.res.type(`${r.type}; charset=utf-8`).send(r.text);
          return undefined;
        }
        return r;
      },
    }),
    route({
      method: "post", path: "/v1/plans/:planId/apply", tag: "stacks", body: NoBody, responses: { 200: ApplyResultSchema },
      summary: "Apply a stored plan, once, atomically. Returns the secrets of keys this apply created or regenerated — and only those.",
      handler: (c) => stacks.apply(c, c.params.planId),
    }),
    route({ method: "get", path: "/v1/stacks", tag: "stacks", responses: { 200: StackListSchema }, summary: "Stacks visible to the caller: an account key's own account's, every owner's for the operator.", handler: (c) => stacks.list(c) }),
    route({
      method: "get", path: "/v1/stacks/:stack", tag: "stacks", query: StackOwnerQuery, responses: { 200: StackDetailSchema },
      summary: "A stack: serial, lineage, lock, resources and recent plans.",
      handler: (c) => stacks.get(c, c.params.stack, c.query.owner),
    }),
    route({
      method: "get", path: "/v1/stacks/:stack/state", tag: "stacks", query: StackOwnerQuery, responses: { 200: TerraformStateSchema },
      summary: "The stack's state as Terraform state JSON (version 4), without secrets.",
      handler: (c) => stacks.state(c, c.params.stack, c.query.owner),
    }),
    route({
      method: "delete", path: "/v1/stacks/:stack/lock", tag: "stacks", body: UnlockBody, query: StackOwnerQuery, responses: { 200: UnlockResultSchema },
      summary: "Force-unlock a stack whose lock is held by a crashed operation (give the lock id).",
      handler: (c) => stacks.forceUnlock(c, c.params.stack, c.body.lock_id, c.query.owner),
    }),
  ];
}
