/// <reference lib="dom" />
import { api, ApiError } from "../api";
import { h, replaceChildren } from "../dom";
import { formatDateTime } from "../format";
import { errorBox } from "./error-box";
import { summaryLine } from "./plan-view";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const list = (...candidates: unknown[]): Json[] => (candidates.find(Array.isArray) as unknown[] | undefined)?.map(obj) ?? [];
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

/** A missing reconciler (404/405 on /v1/stacks) reads as "no stacks", not as an error. */
const absent = (err: unknown) => err instanceof ApiError && (err.status === 404 || err.status === 405);

function lockText(lock: unknown): HTMLElement {
  if (!lock) return h("span", { class: "muted" }, "unlocked");
  const l = obj(lock);
  return h("span", { class: "badge badge-locked", title: `lock ${str(l.id)}` }, `locked: ${str(l.operation) || "?"} by ${str(l.who) || "?"} since ${formatDateTime(str(l.created_at) || str(l.when) || null)}`);
}

export async function renderStacksView(root: HTMLElement): Promise<void> {
  replaceChildren(root, h("h1", {}, "Stacks"), h("p", { class: "muted" }, "Loading…"));
  let stacks: Json[] = [];
  try {
    const res = await api.stacks();
    stacks = list(res, obj(res).stacks);
  } catch (err) {
    if (!absent(err)) {
      replaceChildren(root, h("h1", {}, "Stacks"), errorBox(err));
      return;
    }
  }
  const openPlan = h("form", { class: "toolbar" }, h("label", { for: "plan-id" }, "Open a plan by id"), h("input", { id: "plan-id", placeholder: "plan_…", autocomplete: "off" }), h("button", { type: "submit", class: "button" }, "Open"));
  openPlan.addEventListener("submit", (e) => {
    e.preventDefault();
    const id = (openPlan.querySelector("input") as HTMLInputElement).value.trim();
    if (id) location.hash = `#/plans/${encodeURIComponent(id)}`;
  });
  replaceChildren(
    root,
    h("h1", {}, "Stacks"),
    stacks.length === 0
      ? h("p", { class: "empty", "data-testid": "no-stacks" }, "No stacks yet. Stacks appear here once `keyform plan` has run against this server.")
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "table", "data-testid": "stacks-table" },
            h("thead", {}, h("tr", {}, ...["Stack", "Serial", "Resources", "Lock", "Updated"].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              ...stacks.map((s) => {
                const name = str(s.name) || str(s.stack) || str(s.id);
                return h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: `#/stacks/${encodeURIComponent(name)}` }, name)),
                  h("td", { class: "num" }, str(s.serial)),
                  h("td", { class: "num" }, str(s.resources ?? s.resource_count ?? s.keys_count ?? (Array.isArray(s.keys) ? s.keys.length : ""))),
                  h("td", {}, lockText(s.lock)),
                  h("td", {}, formatDateTime(str(s.updated_at) || null)),
                );
              }),
            ),
          ),
        ),
    openPlan,
  );
}

/** One stack: its keys (from state), serial and lock, recent plans and apply history. */
export async function renderStackDetails(root: HTMLElement, name: string): Promise<void> {
  replaceChildren(root, h("p", { class: "muted" }, "Loading…"));
  let stack: Json;
  let state: Json = {};
  try {
    const res = obj(await api.stack(name));
    stack = { ...res, ...obj(res.stack) };
    state = obj(await api.stackState(name).catch((err) => (absent(err) ? {} : Promise.reject(err))));
  } catch (err) {
    replaceChildren(root, h("p", {}, h("a", { href: "#/stacks" }, "← Stacks")), errorBox(err));
    return;
  }
  const keys = list(state.resources)
    .filter((r) => r.type === "keyform_api_key" && (r.mode ?? "managed") === "managed")
    .flatMap((r) => list(r.instances).map((i) => ({ address: `keyform_api_key.${str(r.name)}${i.index_key !== undefined ? `[${JSON.stringify(i.index_key)}]` : ""}`, a: obj(i.attributes) })));
  const plans = list(stack.plans, stack.recent_plans);
  const applies = list(stack.applies, stack.history, stack.apply_history);

  replaceChildren(
    root,
    h("p", {}, h("a", { href: "#/stacks" }, "← Stacks")),
    h("div", { class: "view-head" }, h("div", {}, h("h1", {}, name), h("p", { class: "muted" }, `serial ${str(stack.serial ?? state.serial) || "0"} · lineage ${str(stack.lineage ?? state.lineage) || "—"}`)), lockText(stack.lock)),
    h("h2", {}, "Keys"),
    keys.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "table" }, h("thead", {}, h("tr", {}, ...["Address", "Name", "Account", "Key", "Expires"].map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, ...keys.map(({ address, a }) => h("tr", {}, h("td", {}, h("code", {}, address)), h("td", {}, str(a.id) ? h("a", { href: `#/keys/${encodeURIComponent(str(a.id))}` }, str(a.name)) : str(a.name)), h("td", {}, str(a.account)), h("td", {}, h("code", {}, str(a.masked))), h("td", {}, formatDateTime(str(a.expires_at) || null)))))))
      : h("p", { class: "empty" }, "No keys in this stack's state."),
    h("h2", {}, "Recent plans"),
    plans.length
      ? h("ul", { class: "plan-list" }, ...plans.map((p) => h("li", {}, h("a", { href: `#/plans/${encodeURIComponent(str(p.id))}` }, str(p.id)), " ", h("span", { class: "muted" }, `${formatDateTime(str(p.created_at) || null)} · serial ${str(p.serial)} · `), summaryLine(p.summary), p.errored ? h("span", { class: "badge badge-plan-errored" }, "errored") : null, p.applied || p.applied_at ? h("span", { class: "badge badge-plan-applied" }, "applied") : null)))
      : h("p", { class: "empty" }, "No plans listed by the server."),
    h("h2", {}, "Apply history"),
    applies.length
      ? h("ul", { class: "plan-list" }, ...applies.map((a) => h("li", {}, `serial ${str(a.serial)} · ${formatDateTime(str(a.applied_at) || str(a.at) || null)} · ${str(a.actor) || str(a.who)} · `, summaryLine(a.summary), str(a.plan_id) ? h("a", { href: `#/plans/${encodeURIComponent(str(a.plan_id))}` }, ` ${str(a.plan_id)}`) : null)))
      : h("p", { class: "empty" }, "No applies yet."),
  );
}
