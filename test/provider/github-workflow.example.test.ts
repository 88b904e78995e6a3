/**
 * The sample GitHub Actions workflow keeps the pull request's code away from any key able to apply,
 * as GitHub's guidance for `pull_request` workflows says (issue 12, item 5).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "../..");
const load = (f: string) => parse(readFileSync(join(ROOT, "examples/github-actions", f), "utf8"));
type Step = { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = { if?: string; permissions?: Record<string, string>; environment?: string; env?: Record<string, string>; steps: Step[] };

const secretsIn = (x: unknown) => [...JSON.stringify(x).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]);

describe("examples/github-actions", () => {
  const main = load("keyform.yml");
  const comment = load("keyform-comment.yml");
  const plan: Job = main.jobs.plan;
  const apply: Job = main.jobs.apply;

  test("the plan runs on pull_request (never pull_request_target) with least privilege", () => {
    expect(Object.keys(main.on).sort()).toEqual(["pull_request", "push"]);
    expect(main.permissions).toEqual({});
    expect(plan.if).toBe("github.event_name == 'pull_request'");
    expect(plan.permissions).toEqual({ contents: "read" });
    expect(secretsIn(main.env ?? {})).toEqual([]);
  });

  test("the job that runs the pull request's code holds only the read-only plan key, in the plan step alone", () => {
    const runs = plan.steps.map((s) => s.run ?? s.uses ?? "");
    expect(runs).toContain("npm ci");
    expect(runs.join("\n")).not.toMatch(/npm install/);
    expect(secretsIn(plan)).toEqual(["KEYFORM_PLAN_TOKEN"]);
    const withToken = plan.steps.filter((s) => secretsIn(s).length);
    expect(withToken.length).toBe(1);
    expect(withToken[0].run).toMatch(/keyform plan .*--markdown/);
    expect(withToken[0].run).not.toMatch(/use-config-endpoint/);
    expect(plan.steps.find((s) => s.uses?.startsWith("actions/checkout"))?.with).toEqual({ "persist-credentials": false });
  });

  test("the key able to apply lives in an environment and is used only on push to main, from merged code", () => {
    expect(apply.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(apply.environment).toBe("keyform-apply");
    expect(secretsIn(apply)).toEqual(expect.arrayContaining(["KEYFORM_APPLY_TOKEN"]));
    expect(secretsIn(plan)).not.toContain("KEYFORM_APPLY_TOKEN");
    expect(apply.steps.map((s) => s.run ?? "")).toContain("npm ci");
  });

  test("the comment is posted by workflow_run from the artifact as data: no checkout, no keyform credential", () => {
    expect(Object.keys(comment.on)).toEqual(["workflow_run"]);
    expect(comment.permissions).toEqual({});
    const job: Job = comment.jobs.comment;
    expect(job.permissions).toEqual({ actions: "read", "pull-requests": "write" });
    expect(job.steps.some((s) => s.uses?.startsWith("actions/checkout") || s.run)).toBe(false);
    expect(secretsIn(comment)).toEqual([]);
    const script = String(job.steps.find((s) => s.uses?.startsWith("actions/github-script"))?.with?.script);
    expect(script).toContain("pr.head.sha !== context.payload.workflow_run.head_sha");
    expect(script).not.toMatch(/\$\{\{/);
  });

  test("docs/security.md explains the principals and the README links it", () => {
    const doc = readFileSync(join(ROOT, "docs/security.md"), "utf8");
    expect(doc.startsWith("# Security\n")).toBe(true);
    expect(doc).toContain("## Untrusted configurations, the reviewer and the local user");
    for (const who of ["pull-request author", "reviewer", "local user"]) expect(doc).toContain(who);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("(docs/security.md)");
  });
});
