/// <reference lib="dom" />
import { api, KeyformError } from "../api";
import { h, replaceChildren } from "../dom";
import { formatDateTime } from "../format";
import { errorBox } from "./error-box";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);

/**
 * Terraform's summary line (`Plan: [N to import, ]X to add, Y to change, Z to destroy.`) from a plan's
 * `summary`, or the text rendering's own line when the summary has no counts.
 */
export function summaryLine(summary: unknown, text?: string): string {
  if (typeof summary === "string") {
    // Plan listings carry the counts alone ("1 to add, 0 to change, 0 to destroy").
    if (/^(Plan:|No changes)/.test(summary) || !/\bto (add|change|destroy)\b/.test(summary)) return summary;
    return `Plan: ${summary.replace(/\.$/, "")}.`;
  }
  const fromText = text?.split("\n").map((l) => l.trim()).find((l) => /^(Plan:|No changes\.)/.test(l));
  const s = obj(summary);
  const n = (...names: string[]) => names.map((k) => s[k]).find((v) => typeof v === "number") as number | undefined;
  const add = n("add", "create", "to_add");
  const change = n("change", "update", "to_change");
  const destroy = n("destroy", "delete", "to_destroy");
  if (add === undefined && change === undefined && destroy === undefined) return fromText ?? "No summary.";
  const imp = n("import", "to_import") ?? 0;
  const forget = n("forget", "to_forget") ?? 0;
  if (add === 0 && change === 0 && destroy === 0 && imp === 0 && forget === 0 && fromText?.startsWith("No changes")) return fromText;
  const parts = [`${add ?? 0} to add`, `${change ?? 0} to change`, `${destroy ?? 0} to destroy`];
  if (imp > 0) parts.unshift(`${imp} to import`);
  if (forget > 0) parts.push(`${forget} to forget`);
  return `Plan: ${parts.join(", ")}.`;
}

function failedLine(diagnostics: Json[]): string {
  const errors = diagnostics.filter((d) => (str(d.severity) ?? "error") === "error").length;
  return `Planning failed: ${errors} error${errors === 1 ? "" : "s"}. Nothing can be applied from this plan.`;
}

/** Classifies a line of Terraform-style plan text for colouring. */
export function diffClass(line: string): string {
  const t = line.trimStart();
  if (/^(-\/\+|\+\/-)/.test(t)) return "diff-replace";
  if (t.startsWith("<=")) return "diff-read";
  if (t.startsWith("+")) return "diff-add";
  if (t.startsWith("-")) return "diff-destroy";
  if (t.startsWith("~")) return "diff-change";
  if (t.startsWith("#")) return "diff-comment";
  if (/^(Plan:|No changes\.)/.test(t)) return "diff-summary";
  if (/^(Error|Warning):/.test(t) || t.startsWith("│")) return "diff-diagnostic";
  return "";
}

export function renderPlanText(text: string): HTMLElement {
  return h("pre", { class: "plan-text", "data-testid": "plan-text" }, ...text.split("\n").map((line) => h("span", { class: `line ${diffClass(line)}` }, `${line}\n`)));
}

/** One stored plan: summary line, diagnostics and the coloured text rendering. */
export async function renderPlanView(root: HTMLElement, planId: string): Promise<void> {
  replaceChildren(root, h("p", { class: "muted" }, "Loading plan…"));
  let plan: Json;
  let text = "";
  try {
    plan = obj(await api.plan(planId));
    plan = obj(plan.plan ?? plan);
    text = await api.planText(planId).catch((err) => {
      if (err instanceof KeyformError && err.status !== 404) throw err;
      return "";
    });
    if (typeof text !== "string") text = JSON.stringify(text, null, 2);
  } catch (err) {
    replaceChildren(root, h("p", {}, h("a", { href: "#/stacks" }, "← Stacks")), errorBox(err));
    return;
  }
  const stack = str(plan.stack);
  const diagnostics = Array.isArray(plan.diagnostics) ? plan.diagnostics.map(obj) : [];
  const expired = str(plan.expires_at) !== null && new Date(str(plan.expires_at)!).getTime() < Date.now();
  const flags = [plan.errored ? "errored" : null, plan.applied_at ? "applied" : null, !plan.applied_at && expired ? "expired" : null].filter(Boolean) as string[];
  const applicable = !plan.errored && !plan.applied_at && !expired && plan.has_changes !== false;
  replaceChildren(
    root,
    h("p", {}, h("a", { href: stack ? `#/stacks/${encodeURIComponent(stack)}` : "#/stacks" }, `← ${stack ?? "Stacks"}`)),
    h("div", { class: "view-head" }, h("div", {}, h("h1", {}, `Plan ${planId}`), h("p", { class: "muted" }, [stack && `stack ${stack}`, str(plan.serial) && `serial ${str(plan.serial)}`, str(plan.created_at) && formatDateTime(str(plan.created_at))].filter(Boolean).join(" · "))), h("div", {}, ...flags.map((f) => h("span", { class: `badge badge-plan-${f}` }, f)))),
    h("p", { class: "plan-summary", "data-testid": "plan-summary" }, plan.errored ? failedLine(diagnostics) : summaryLine(plan.summary, text)),
    diagnostics.length
      ? h("ul", { class: "diagnostics" }, ...diagnostics.map((d) => h("li", { class: `diagnostic diagnostic-${str(d.severity) ?? "error"}` }, h("strong", {}, `${str(d.severity) ?? "error"}: ${str(d.summary) ?? ""}`), str(d.address) ? h("code", {}, ` ${str(d.address)}`) : null, str(d.detail) ? h("p", {}, str(d.detail)) : null)))
      : null,
    text ? renderPlanText(text) : h("p", { class: "empty" }, "This server returned no text rendering for the plan."),
    applicable ? h("p", { class: "muted" }, "Apply it, once, with ", h("code", {}, `keyform apply --plan ${planId}${stack ? ` --stack ${stack}` : ""}`), ` before ${formatDateTime(str(plan.expires_at))}.`) : null,
  );
}
