import type { Plan } from "../reconciler.types";
import { DUE_WINDOW_DAYS, dueSoon } from "./plan-due";
import { renderPlanText, summaryLine } from "./plan-text";

export interface PlanMarkdownMeta {
  stack: string;
  planId: string;
  /** The command that applies this plan, e.g. `keyform apply --plan plan_123`. */
  applyCommand: string;
}

/**
 * An Atlantis-style pull-request comment: heading, summary, the text plan folded in a ```diff block
 * (symbols moved to column 0 so GitHub colours them, `~` shown as `!`), the apply command, diagnostics.
 */
export function renderPlanMarkdown(plan: Plan, meta: PlanMarkdownMeta): string {
  const out: string[] = [];
  const failed = plan.errored;
  out.push(`### ${failed ? "❌ keyform plan failed" : "keyform plan"} for stack \`${meta.stack}\``, "");
  if (failed) {
    const errors = plan.diagnostics.filter((d) => d.severity === "error").length;
    out.push(`**${errors} error${errors === 1 ? "" : "s"}; nothing can be applied.** Plan \`${meta.planId}\` was stored so this comment can show why.`, "");
  } else if (!plan.hasChanges) {
    out.push("**No changes.** Your infrastructure matches the configuration.", "");
  } else {
    out.push(`**${summaryLine(plan)}**`, "");
  }
  out.push(`<details><summary>${failed ? "Show output" : "Show plan"}</summary>`, "", "```diff", diffFormat(renderPlanText(plan)).trimEnd(), "```", "", "</details>", "");
  if (!failed && plan.hasChanges) {
    out.push("To apply this plan, run:", "", "```", meta.applyCommand, "```", "");
  }
  const due = failed ? [] : dueSoon(plan);
  if (due.length) {
    out.push(`#### Rotations and expiries due within ${DUE_WINDOW_DAYS} days`, "", "| Resource | Due | When |", "|---|---|---|");
    for (const d of due) out.push(`| ${escapeMd(d.address)} | ${d.kind} | ${d.at ? `${d.at} (${escapeMd(d.detail)})` : escapeMd(d.detail)} |`);
    out.push("");
  }
  const diags = plan.diagnostics;
  if (diags.length) {
    out.push("#### Diagnostics", "");
    for (const d of diags) {
      const where = d.address ? ` (\`${d.address}\`)` : "";
      out.push(`- **${d.severity === "error" ? "Error" : "Warning"}: ${escapeMd(d.summary)}**${where}: ${escapeMd(d.detail.split("\n")[0])}`);
    }
    out.push("");
  }
  out.push(`<sub>Plan \`${meta.planId}\` · ${plan.errored ? "errored" : plan.hasChanges ? "applyable" : "nothing to apply"}</sub>`);
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

function escapeMd(text: string): string {
  return text.replace(/([<>*_`|])/g, "\\$1");
}
