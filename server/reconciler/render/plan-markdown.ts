import type { Plan } from "../reconciler.types";
import { applierSentence } from "../plan-applier";
import { DUE_WINDOW_DAYS, dueSoon } from "./plan-due";
import { renderPlanText, summaryLine } from "./plan-text";
import { mdCode, mdFence, mdText } from "./safe-text";

export interface PlanMarkdownMeta {
  stack: string;
  planId: string;
  /** The command that applies this plan, e.g. `keyform apply --plan plan_123 --stack keys`. */
  applyCommand: string;
}

/**
 * An Atlantis-style pull-request comment: heading, summary, the text plan folded in a ```diff block
 * (symbols moved to column 0 so GitHub colours them, `~` shown as `!`), the apply command, diagnostics.
 * Whatever a configuration controls sits in code spans or fences longer than any backtick run it holds
 * (and has its control characters escaped), so it cannot close the fold, open an HTML comment, or
 * make a link, an image or live HTML.
 */
export function renderPlanMarkdown(plan: Plan, meta: PlanMarkdownMeta): string {
  const out: string[] = [];
  const failed = plan.errored;
  out.push(`### ${failed ? "❌ keyform plan failed" : "keyform plan"} for stack ${mdCode(meta.stack)}`, "");
  if (failed) {
    const errors = plan.diagnostics.filter((d) => d.severity === "error").length;
    out.push(`**${errors} error${errors === 1 ? "" : "s"}; nothing can be applied.** Plan ${mdCode(meta.planId)} was stored so this comment can show why.`, "");
  } else if (!plan.hasChanges) {
    out.push("**No changes.** Your infrastructure matches the configuration.", "");
  } else {
    out.push(`**${summaryLine(plan)}**`, ""); // numbers only
  }
  out.push(`<details><summary>${failed ? "Show output" : "Show plan"}</summary>`, "", ...mdFence(diffFormat(renderPlanText(plan)).trimEnd(), "diff"), "", "</details>", "");
  if (!failed && plan.hasChanges) {
    out.push("To apply this plan, run:", "", ...mdFence(meta.applyCommand), "");
    const needs = plan.applier ? applierSentence(plan.applier) : null;
    if (needs) out.push(mdText(needs), "");
  }
  const due = failed ? [] : dueSoon(plan);
  if (due.length) {
    out.push(`#### Rotations and expiries due within ${DUE_WINDOW_DAYS} days`, "", "| Resource | Due | When |", "|---|---|---|");
    for (const d of due) out.push(`| ${cell(mdCode(d.address))} | ${d.kind} | ${d.at ? `${mdText(d.at)} (${mdText(d.detail)})` : mdText(d.detail)} |`);
    out.push("");
  }
  const diags = plan.diagnostics;
  if (diags.length) {
    out.push("#### Diagnostics", "");
    for (const d of diags) {
      const where = d.address ? ` (${mdCode(d.address)})` : "";
      const detail = d.detail.split("\n")[0];
      out.push(`- **${d.severity === "error" ? "Error" : "Warning"}: ${mdText(d.summary)}**${where}${detail ? `: ${mdCode(detail)}` : ""}`);
    }
    out.push("");
  }
  out.push(`<sub>Plan ${mdCode(meta.planId)} · ${plan.errored ? "errored" : plan.hasChanges ? "applyable" : "nothing to apply"}</sub>`);
  return out.join("\n") + "\n";
}

/** Atlantis' transformation: `      + name = …` → `+       name = …`, and a leading `~` → `!`. */
export function diffFormat(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      const m = /^( +)([-+~]) (.*)$/.exec(line);
      const moved = m ? `${m[2]} ${m[1]}${m[3]}` : line;
      return moved.replace(/^~/, "!");
    })
    .join("\n");
}

/** A table cell: GitHub splits cells at every unescaped "|", even inside a code span. */
function cell(md: string): string {
  return md.replace(/\|/g, "\\|");
}
