import { applierSentence } from "../plan-applier";
import type { Diagnostic, KeyValues, OutputChangeEntry, Plan, ResourceChangeEntry } from "../reconciler.types";
import { terraformView } from "./plan-json";
import { safeLine } from "./safe-text";

/**
 * Terraform-style human plan, laid out as Terraform 1.x prints it: 4-character action symbols,
 * attributes sorted by name and aligned on `=`, unchanged attributes hidden except `id` and `name`.
 * Each entry of a line list is one line: `finish` escapes whatever control character or line break a
 * name, key, value or diagnostic carries, so nothing in a configuration can add, hide or rewrite a line.
 */

const RULE = "─".repeat(77);
const IMPORTANT = new Set(["id", "name"]);
const SCHEMA: Array<keyof KeyValues | "secret"> = [
  "account",
  "created_at",
  "expires_at",
  "expires_in",
  "id",
  "last_used_at",
  "masked",
  "name",
  "rotate_every",
  "rotation_due_at",
  "rotation_overlap",
  "scopes",
  "secret",
  "type",
];

type Kind = "create" | "update" | "delete" | "replace" | "cbd" | "noop" | "forget";

const SYMBOL: Record<Kind, string> = { create: "  + ", update: "  ~ ", delete: "  - ", replace: "-/+ ", cbd: "+/- ", noop: "    ", forget: "  . " };

export function renderPlanText(plan: Plan): string {
  const out: string[] = [];
  // The same view the JSON plan shows, so a plan read back from storage renders the same text.
  const tf = terraformView(plan.terraform);
  if (plan.errored) {
    out.push("Planning failed. Terraform encountered an error while generating this plan.", "");
    out.push(...renderDiagnostics(plan.diagnostics));
    return finish(out);
  }
  const visible = tf.resourceChanges.filter((e) => kindOf(e) !== "noop" || e.previous_address || e.change.importing);
  const outputChanges = Object.entries(tf.outputChanges).filter(([, c]) => c.actions[0] !== "no-op");
  const hasResourceChanges = visible.length > 0;

  if (tf.resourceDrift.length) {
    out.push("", "Note: Objects have changed outside of Terraform", "");
    out.push("Terraform detected the following changes made outside of Terraform since the");
    out.push('last "terraform apply" which may have affected this plan:', "");
    for (const d of tf.resourceDrift) {
      const deleted = d.change.actions[0] === "delete";
      out.push(`  # ${d.address} ${deleted ? "has been deleted" : "has changed"}`, ...(plan.notes[`drift:${d.address}`] ?? []).map((l) => `  # ${l}`));
      out.push(...renderBlock(d, deleted ? "delete" : "update", []), "");
    }
    out.push("Unless you have made equivalent changes to your configuration, or ignored the");
    out.push("relevant attributes using ignore_changes, the following plan may include");
    out.push("actions to undo or respond to these changes.", "", RULE, "");
  }

  if (!hasResourceChanges && !outputChanges.length) {
    out.push("No changes. Your infrastructure matches the configuration.", "");
    if (tf.resourceDrift.length) {
      out.push("Your configuration already matches the changes detected above.");
    } else {
      out.push("Terraform has compared your real infrastructure against your configuration");
      out.push("and found no differences, so no changes are needed.");
    }
    if (plan.changes.some((c) => c.action === "forget")) out.push("", "Keys deleted outside the stack will be dropped from its state on apply.");
    const warnings = plan.diagnostics.filter((d) => d.severity === "warning");
    if (warnings.length) out.push("", ...renderDiagnostics(warnings));
    return finish(out);
  }

  if (hasResourceChanges) {
    const kinds = new Set(visible.map(kindOf));
    out.push("Terraform used the selected providers to generate the following execution plan. Resource actions are");
    out.push("indicated with the following symbols:");
    if (kinds.has("create")) out.push("  + create");
    if (kinds.has("update")) out.push("  ~ update in-place");
    if (kinds.has("delete")) out.push("  - destroy");
    if (kinds.has("replace")) out.push("-/+ destroy and then create replacement");
    if (kinds.has("cbd")) out.push("+/- create replacement and then destroy");
    if (kinds.has("forget")) out.push("  . forget");
    out.push("", "Terraform will perform the following actions:", "");
    for (const e of visible) {
      out.push(...headerLines(e, plan.notes[e.address] ?? []));
      out.push(...renderBlock(e, kindOf(e), e.change.replace_paths ?? []), "");
    }
    out.push(summaryLine(plan));
    // Old stored plans have no applier statement.
    const needs = plan.applier ? applierSentence(plan.applier) : null;
    if (needs) out.push("", needs);
  }

  if (outputChanges.length) {
    if (hasResourceChanges) out.push("");
    out.push("Changes to Outputs:");
    const width = Math.max(...outputChanges.map(([name]) => name.length));
    for (const [name, c] of outputChanges) out.push(outputLine(name, c, width));
    if (!hasResourceChanges) {
      out.push("", "You can apply this plan to save these new output values to the Terraform", "state, without changing any real infrastructure.");
    }
  }
  const warnings = plan.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length) out.push("", ...renderDiagnostics(warnings));
  return finish(out);
}

const finish = (lines: string[]): string => lines.map(safeLine).join("\n") + "\n";

/** `Plan: [N to import, ]X to add, Y to change, Z to destroy.` */
export function summaryLine(plan: Pick<Plan, "summary">): string {
  const s = plan.summary;
  const parts = [`${s.add} to add`, `${s.change} to change`, `${s.destroy} to destroy`];
  if (s.import > 0) parts.unshift(`${s.import} to import`);
  if (s.forget > 0) parts.push(`${s.forget} to forget`);
  return `Plan: ${parts.join(", ")}.`;
}

function kindOf(e: ResourceChangeEntry): Kind {
  const a = e.change.actions;
  if (a.length === 2) return a[0] === "delete" ? "replace" : "cbd";
  switch (a[0]) {
    case "create":
      return "create";
    case "update":
      return "update";
    case "delete":
      return "delete";
    case "forget":
      return "forget";
    default:
      return "noop";
  }
}

function headerLines(e: ResourceChangeEntry, notes: string[]): string[] {
  const a = e.address;
  const kind = kindOf(e);
  const lines: string[] = [];
  switch (kind) {
    case "create":
      lines.push(`  # ${a} will be created`);
      break;
    case "update":
      lines.push(`  # ${a} will be updated in-place`);
      break;
    case "delete":
      lines.push(`  # ${a} will be destroyed`);
      if (e.action_reason === "delete_because_no_resource_config") lines.push(`  # (because ${a} is not in configuration)`);
      if (e.action_reason === "delete_because_count_index") lines.push(`  # (because index [${e.index}] is out of range for count)`);
      if (e.action_reason === "delete_because_each_key") lines.push(`  # (because key [${JSON.stringify(e.index)}] is not in for_each map)`);
      break;
    case "replace":
    case "cbd":
      lines.push(
        `  # ${a} ${
          e.action_reason === "replace_because_tainted"
            ? "is tainted, so must be replaced"
            : e.action_reason === "replace_by_request"
              ? "will be replaced, as requested"
              : e.action_reason === "replace_by_triggers"
                ? "will be replaced due to changes in replace_triggered_by"
                : "must be replaced"
        }`,
      );
      break;
    case "forget":
      lines.push(`  # ${a} will no longer be managed by Terraform`);
      break;
    case "noop":
      if (e.previous_address) lines.push(`  # ${e.previous_address} has moved to ${a}`);
      else if (e.change.importing) lines.push(`  # ${a} will be imported`);
      break;
  }
  if (kind !== "noop") {
    if (e.previous_address) lines.push(`  # (moved from ${e.previous_address})`);
    if (e.change.importing) lines.push(`  # (imported from ${JSON.stringify(e.change.importing.id)})`);
  } else if (e.previous_address && e.change.importing) {
    lines.push(`  # (imported from ${JSON.stringify(e.change.importing.id)})`);
  }
  for (const n of notes) lines.push(`  # ${n}`);
  return lines;
}

interface Row {
  key: string;
  symbol: string; // 4 characters
  value: string[]; // first line continues after `key = `; the rest are full lines
  hidden: boolean;
}

function renderBlock(e: ResourceChangeEntry, kind: Kind, replacePaths: string[][]): string[] {
  const before = e.change.before as Record<string, unknown> | null;
  const after = e.change.after as Record<string, unknown> | null;
  const unknown = (e.change.after_unknown || {}) as Record<string, unknown>;
  const forces = new Set(replacePaths.map((p) => p[0]));
  const rows: Row[] = [];
  const addRow = (key: string, symbol: string, value: string[], hidden = false) => rows.push({ key, symbol, value, hidden });

  for (const key of SCHEMA) {
    const suffix = forces.has(key) ? " # forces replacement" : "";
    if (key === "secret") {
      if (kind === "create") addRow(key, "  + ", ["(sensitive value)"]);
      else if (kind === "delete") addRow(key, "  - ", ["(sensitive value)"]);
      else if (kind === "replace" || kind === "cbd") addRow(key, "  ~ ", ["(sensitive value)"]);
      // An in-place regeneration (rotation with overlap) changes the secret of the same key.
      else if (kind === "update" && unknown.secret === true) addRow(key, "  ~ ", ["(sensitive value)"]);
      else addRow(key, "    ", ["(sensitive value)"], true);
      continue;
    }
    // Built from a sensitive variable: never shown (Terraform's after_sensitive).
    if (((e.change.after_sensitive || {}) as Record<string, unknown>)[key] === true && after && key in after) {
      const changed = !before || JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null);
      if (kind === "create") addRow(key, "  + ", ["(sensitive value)"]);
      else if (changed) addRow(key, "  ~ ", ["(sensitive value)"]);
      else addRow(key, "    ", ["(sensitive value)"], true);
      continue;
    }
    const b = before ? (before[key] ?? null) : null;
    const isUnknown = unknown[key] === true;
    const a = after ? (after[key] ?? null) : null;
    if (kind === "create") {
      if (isUnknown) addRow(key, "  + ", ["(known after apply)"]);
      else if (a !== null) addRow(key, "  + ", renderValue(a, "  + "));
      continue;
    }
    if (kind === "delete") {
      if (b !== null) addRow(key, "  - ", withArrow(renderValue(b, "  - "), " -> null"));
      continue;
    }
    if (kind === "forget" || kind === "noop") {
      if (b !== null) addRow(key, "    ", renderValue(b, "    "), !IMPORTANT.has(key));
      continue;
    }
    // update / replace
    if (isUnknown) {
      if (b === null) addRow(key, "  + ", ["(known after apply)" + suffix]);
      else addRow(key, "  ~ ", withArrow(renderValue(b, "    "), " -> (known after apply)" + suffix));
    } else if (same(key, b, a)) {
      if (b !== null) addRow(key, "    ", renderValue(b, "    "), !IMPORTANT.has(key));
    } else if (b === null) {
      addRow(key, "  + ", appendLast(renderValue(a, "  + "), suffix));
    } else if (a === null) {
      addRow(key, "  - ", withArrow(renderValue(b, "  - "), " -> null" + suffix));
    } else if (Array.isArray(a) && Array.isArray(b)) {
      addRow(key, "  ~ ", listDiff(b as string[], a as string[], suffix));
    } else {
      addRow(key, "  ~ ", [`${JSON.stringify(b)} -> ${JSON.stringify(a)}${suffix}`]);
    }
  }

  const width = Math.max(0, ...rows.map((r) => r.key.length));
  const lines = [`${SYMBOL[kind]}resource "${e.type}" "${e.name}" {`];
  let hidden = 0;
  for (const r of rows) {
    if (r.hidden) {
      hidden++;
      continue;
    }
    lines.push(`    ${r.symbol}${r.key.padEnd(width)} = ${r.value[0]}`, ...r.value.slice(1));
  }
  if (hidden) lines.push(`        # (${hidden} unchanged attribute${hidden === 1 ? "" : "s"} hidden)`);
  lines.push("    }");
  return lines;
}

function same(key: string, a: unknown, b: unknown): boolean {
  if ((key === "expires_at" || key === "created_at" || key === "last_used_at") && typeof a === "string" && typeof b === "string") {
    return Date.parse(a) === Date.parse(b);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A value's rendering; lists open on the first line and close on their own line. */
function renderValue(v: unknown, elementSymbol: string): string[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return ["[]"];
    return ["[", ...v.map((x) => `        ${elementSymbol}${JSON.stringify(x)},`), "        ]"];
  }
  return [JSON.stringify(v)];
}

function withArrow(lines: string[], arrow: string): string[] {
  return appendLast(lines, arrow);
}

function appendLast(lines: string[], text: string): string[] {
  if (!text) return lines;
  return [...lines.slice(0, -1), lines[lines.length - 1] + text];
}

/** Set diff as Terraform renders sets: changed elements in order, then the count of unchanged ones. */
function listDiff(before: string[], after: string[], suffix: string): string[] {
  const union = [...new Set([...before, ...after])].sort();
  const lines = ["[" + suffix];
  let unchanged = 0;
  for (const x of union) {
    const inB = before.includes(x);
    const inA = after.includes(x);
    if (inB && inA) unchanged++;
    else lines.push(`          ${inA ? "+" : "-"} ${JSON.stringify(x)},`);
  }
  if (unchanged) lines.push(`            # (${unchanged} unchanged element${unchanged === 1 ? "" : "s"} hidden)`);
  lines.push("        ]");
  return lines;
}

function outputLine(name: string, c: OutputChangeEntry, width: number): string {
  const key = name.padEnd(width);
  const sensitive = c.before_sensitive || c.after_sensitive;
  const show = (v: unknown) => (sensitive ? "(sensitive value)" : JSON.stringify(v));
  switch (c.actions[0]) {
    case "create":
      return `  + ${key} = ${sensitive ? "(sensitive value)" : c.after_unknown ? "(known after apply)" : show(c.after)}`;
    case "delete":
      return `  - ${key} = ${show(c.before)} -> null`;
    default:
      if (sensitive) return `  ~ ${key} = (sensitive value)`;
      return `  ~ ${key} = ${show(c.before)} -> ${c.after_unknown ? "(known after apply)" : show(c.after)}`;
  }
}

/** Terraform's boxed diagnostics. */
export function renderDiagnostics(diagnostics: Diagnostic[]): string[] {
  const lines: string[] = [];
  for (const d of diagnostics) {
    lines.push("╷", `│ ${d.severity === "error" ? "Error" : "Warning"}: ${d.summary}`, "│ ");
    if (d.address) lines.push(`│   with ${d.address}`, "│ ");
    for (const l of d.detail.split("\n")) lines.push(l ? `│ ${l}` : "│ ");
    lines.push("╵");
  }
  return lines;
}
