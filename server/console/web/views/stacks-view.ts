/// <reference lib="dom" />
import { api, KeyformError } from "../api";
import { h, replaceChildren } from "../dom";
import { formatDateTime } from "../format";
import { currentSession, switchAccount } from "../session";
import { errorBox } from "./error-box";
import { summaryLine } from "./plan-view";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const list = (...candidates: unknown[]): Json[] => (candidates.find(Array.isArray) as unknown[] | undefined)?.map(obj) ?? [];
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

/** A missing reconciler (404/405 on /v1/stacks) reads as "no stacks", not as an error. */
const absent = (err: unknown) => err instanceof KeyformError && (err.status === 404 || err.status === 405);

function lockText(lock: unknown): HTMLElement {
  if (!lock) return h("span", { class: "muted" }, "unlocked");
  const l = obj(lock);
  return h("span", { class: "badge badge-locked", title: `lock ${str(l.id)}` }, `locked: ${str(l.operation) || "?"} by ${str(l.who) || "?"} since ${formatDateTime(str(l.created) || str(l.created_at) || null)}`);
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
            h("thead", {}, h("tr", {}, ...["Stack", "Owner", "Serial", "Resources", "Lock", "Updated"].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              ...stacks.map((s) => {
                const name = str(s.name) || str(s.stack) || str(s.id);
                return h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: stackHref(name, str(s.owner) || null) }, name)),
                  h("td", {}, str(s.owner) || "operator"),
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

interface StackKey {
  address: string;
  id: string;
  name: string;
  account: string;
  masked: string;
  expiresAt: string | null;
}

/** The stack's keys: from GET /v1/stacks/:stack, with expiry from its Terraform state where present. */
function stackKeys(stack: Json, state: Json): StackKey[] {
  const fromState = new Map<string, Json>();
  for (const r of list(state.resources)) {
    if (r.type !== "keyform_api_key" || (r.mode ?? "managed") !== "managed") continue;
    for (const i of list(r.instances)) {
      const index = i.index_key === undefined ? "" : `[${JSON.stringify(i.index_key)}]`;
      fromState.set(`keyform_api_key.${str(r.name)}${index}`, obj(i.attributes));
    }
  }
  const declared = list(stack.resources);
  const rows = declared.length ? declared.map((r) => [str(r.address), { ...fromState.get(str(r.address)), ...r }] as const) : [...fromState];
  return rows.map(([address, a]) => ({
    address,
    id: str(a.key_id) || str(a.id),
    name: str(a.name),
    account: str(a.account),
    masked: str(a.masked),
    expiresAt: str(a.expires_at) || null,
  }));
}

function keyLink(k: StackKey): Node {
  if (!k.id) return document.createTextNode(k.name);
  const link = h("a", { href: `#/keys/${encodeURIComponent(k.id)}` }, k.name);
  // Key details are per account: open the key's own account first.
  link.addEventListener("click", () => {
    if (k.account && k.account !== currentSession()?.account) switchAccount(k.account);
  });
  return link;
}

const planLink = (id: string) => h("a", { href: `#/plans/${encodeURIComponent(id)}`, class: "plan-id" }, id);

function table(headings: string[], rows: Node[]): HTMLElement {
  return h("div", { class: "table-wrap" }, h("table", { class: "table" }, h("thead", {}, h("tr", {}, ...headings.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, ...rows)));
}

/** One stack: serial, lock, its keys, recent plans and apply history. */
/** Where a stack's page is: stacks live in their owner's namespace (an account, or the operator's). */
export function stackHref(name: string, owner: string | null | undefined): string {
  return `#/stacks/${encodeURIComponent(name)}${owner ? `?owner=${encodeURIComponent(owner)}` : ""}`;
}

export async function renderStackDetails(root: HTMLElement, name: string, owner?: string): Promise<void> {
  replaceChildren(root, h("p", { class: "muted" }, "Loading…"));
  let res: Json;
  let state: Json = {};
  try {
    res = obj(await api.stack(name, owner));
    state = obj(await api.stackState(name, owner).catch((err) => (absent(err) ? {} : Promise.reject(err))));
  } catch (err) {
    replaceChildren(root, h("p", {}, h("a", { href: "#/stacks" }, "← Stacks")), errorBox(err));
    return;
  }
  const stack = { ...res, ...obj(res.stack) };
  const keys = stackKeys(stack, state);
  const plans = list(res.plans, stack.plans);
  const applies = plans.filter((p) => p.applied_at);

  const keyRows = keys.map((k) =>
    h("tr", {}, h("td", {}, h("code", {}, k.address)), h("td", {}, keyLink(k)), h("td", {}, k.account), h("td", {}, h("code", { class: "masked" }, k.masked)), h("td", {}, formatDateTime(k.expiresAt))),
  );
  const planRows = plans.map((p) =>
    h(
      "tr",
      {},
      h("td", {}, planLink(str(p.id))),
      h("td", {}, formatDateTime(str(p.created_at) || null)),
      h("td", { class: "num" }, str(p.serial)),
      h("td", {}, summaryLine(p.summary)),
      h("td", {}, p.errored ? h("span", { class: "badge badge-plan-errored" }, "errored") : null, p.applied_at ? h("span", { class: "badge badge-plan-applied" }, "applied") : null),
    ),
  );
  const applyRows = applies.map((a) =>
    h("tr", {}, h("td", {}, formatDateTime(str(a.applied_at))), h("td", {}, str(a.applied_by) || "—"), h("td", {}, summaryLine(a.summary)), h("td", {}, planLink(str(a.id)))),
  );

  replaceChildren(
    root,
    h("p", {}, h("a", { href: "#/stacks" }, "← Stacks")),
    h(
      "div",
      { class: "view-head" },
      h("div", {}, h("h1", {}, name), h("p", { class: "muted" }, `serial ${str(stack.serial ?? state.serial) || "0"} · lineage ${str(stack.lineage ?? state.lineage) || "—"}`)),
      lockText(stack.lock),
    ),
    h("h2", {}, "Keys"),
    keys.length ? table(["Address", "Name", "Account", "Key", "Expires"], keyRows) : h("p", { class: "empty" }, "No keys in this stack's state."),
    h("h2", {}, "Recent plans"),
    plans.length ? table(["Plan", "Created", "Serial", "Summary", ""], planRows) : h("p", { class: "empty" }, "No plans yet."),
    h("h2", {}, "Apply history"),
    applies.length ? table(["Applied", "By", "Summary", "Plan"], applyRows) : h("p", { class: "empty" }, "No applies yet."),
  );
}
