/// <reference lib="dom" />
import { api, KeyformError, type AccountView, type KeyView } from "../api";
import { stackHref } from "./stacks-view";
import { h, replaceChildren, toast } from "../dom";
import { expiryCell, formatDate, lastUsedCell, statusBadge, typeBadge } from "../format";
import { openCreateKeyDialog } from "./create-key-dialog";
import { errorBox } from "./error-box";

const TYPES = ["", "live", "temp", "legacy"];
const STATUSES = ["", "active", "expired", "revoked", "exhausted"];

function select(id: string, label: string, values: string[], current: string): HTMLSelectElement {
  const el = h("select", { id, "aria-label": label });
  for (const v of values) el.append(h("option", { value: v }, v === "" ? `All ${label.toLowerCase()}` : v));
  el.value = current;
  return el;
}

/** The account's keys: filters, table, create and quick delete of temp keys. */
export async function renderKeysView(root: HTMLElement, accountId: string, filters: { type?: string; status?: string }): Promise<void> {
  root.removeAttribute("data-ready");
  const typeFilter = select("filter-type", "Types", TYPES, filters.type ?? "");
  const statusFilter = select("filter-status", "Statuses", STATUSES, filters.status ?? "");
  const summary = h("p", { class: "muted account-summary" });
  const createButton = h("button", { type: "button", class: "button primary", "data-testid": "create-key", disabled: true }, "Create key");
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "button", hidden: true }, "Load more");
  const table = h(
    "table",
    { class: "table keys-table", "data-testid": "keys-table" },
    h("thead", {}, h("tr", {}, ...["Name", "Type", "Key", "Created", "Expires", "Last used", "Status", "Managed by", ""].map((c) => h("th", { scope: "col" }, c)))),
    tbody,
  );
  const empty = h("p", { class: "empty", hidden: true }, "No keys match these filters.");
  replaceChildren(
    root,
    h("div", { class: "view-head" }, h("div", {}, h("h1", {}, "Keys"), summary), createButton),
    h("div", { class: "toolbar" }, h("label", { for: "filter-type" }, "Type"), typeFilter, h("label", { for: "filter-status" }, "Status"), statusFilter),
    h("div", { class: "table-wrap" }, table),
    empty,
    more,
  );

  const applyFilters = () => {
    const params = new URLSearchParams();
    if (typeFilter.value) params.set("type", typeFilter.value);
    if (statusFilter.value) params.set("status", statusFilter.value);
    const qs = params.toString();
    location.hash = `#/keys${qs ? `?${qs}` : ""}`;
  };
  typeFilter.addEventListener("change", applyFilters);
  statusFilter.addEventListener("change", applyFilters);

  let account: AccountView;
  try {
    account = (await api.account(accountId)).account;
  } catch (err) {
    root.append(errorBox(err));
    return;
  }
  summary.textContent =
    `${account.name ?? account.id} · ${account.active_keys} of ${account.key_limit} keys active · ` +
    `${account.active_temp_keys} temp · max expiry ${account.max_expiry ?? "none"}`;
  createButton.disabled = false;
  createButton.addEventListener("click", () => openCreateKeyDialog(account, () => void renderKeysView(root, accountId, filters)));

  const load = async (cursor?: string) => {
    more.hidden = true;
    try {
      const page = await api.listKeys(accountId, { type: filters.type, status: filters.status, cursor });
      for (const key of page.keys) tbody.append(keyRow(key, accountId, () => void renderKeysView(root, accountId, filters)));
      empty.hidden = tbody.children.length > 0;
      table.hidden = tbody.children.length === 0;
      if (page.next_cursor) {
        more.hidden = false;
        more.onclick = () => void load(page.next_cursor!);
      }
    } catch (err) {
      root.append(errorBox(err));
    }
  };
  await load();
  // Lets tests (and anyone automating the console) wait for the list rather than for a timeout.
  root.setAttribute("data-ready", "keys");
}

function keyRow(key: KeyView, accountId: string, refresh: () => void): HTMLTableRowElement {
  const details = `#/keys/${encodeURIComponent(key.id)}`;
  const actions = h("td", { class: "actions" });
  if (key.type === "temp" && key.status === "active") {
    // Temp keys are short-lived by design: deleting one is a single click.
    const del = h("button", { type: "button", class: "button small danger", "data-testid": "quick-delete", title: "Revoke this temp key now" }, "Delete");
    del.addEventListener("click", async () => {
      del.disabled = true;
      try {
        await api.revokeKey(accountId, key.id);
        toast(`Temp key ${key.name} revoked.`);
        refresh();
      } catch (err) {
        del.disabled = false;
        toast(err instanceof KeyformError ? err.detail : String(err), "error");
      }
    });
    actions.append(del);
  }
  return h(
    "tr",
    { "data-key-id": key.id, "data-key-name": key.name, class: `status-${key.status}` },
    h("td", {}, h("a", { href: details, class: "key-name" }, key.name)),
    h("td", {}, typeBadge(key.type)),
    h("td", {}, h("code", { class: "masked" }, key.masked)),
    h("td", { title: key.created_at }, formatDate(key.created_at)),
    h("td", {}, expiryCell(key.expires_at, key.status)),
    h("td", {}, lastUsedCell(key.last_used_at)),
    h("td", {}, statusBadge(key.status)),
    h("td", {}, key.managed_by_stack ? h("a", { href: stackHref(key.managed_by_stack, key.managed_by_stack_owner) }, key.managed_by_stack) : h("span", { class: "muted" }, "—")),
    actions,
  );
}
