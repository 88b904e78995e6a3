/// <reference lib="dom" />
import { api, KeyformError, type KeyView, type UsageRow } from "../api";
import { stackHref } from "./stacks-view";
import { h, replaceChildren, toast } from "../dom";
import { expiryCell, formatDateTime, lastUsedCell, statusBadge, typeBadge } from "../format";
import { errorBox } from "./error-box";
import { confirmAction, openModal } from "./modal";
import { secretPanel } from "./secret-panel";

const GRACE_PERIODS: Array<[string, string]> = [
  ["", "None — the old secret stops working at once"],
  ["5m", "5 minutes"],
  ["1h", "1 hour"],
  ["24h", "24 hours (the maximum)"],
];

/** One key: every field, its usage log, and regenerate / delete behind confirmations. */
export async function renderKeyDetails(root: HTMLElement, accountId: string, keyId: string): Promise<void> {
  replaceChildren(root, h("p", { class: "muted" }, "Loading…"));
  let data: { key: KeyView; usage: UsageRow[] };
  try {
    data = await api.getKey(accountId, keyId);
  } catch (err) {
    replaceChildren(root, h("p", {}, h("a", { href: "#/keys" }, "← Keys")), errorBox(err));
    return;
  }
  const { key, usage } = data;
  const reload = () => void renderKeyDetails(root, accountId, keyId);
  const inactive = key.status === "revoked";

  const regenerate = h("button", { type: "button", class: "button", "data-testid": "regenerate", disabled: inactive || key.type === "legacy" }, "Regenerate…");
  const revoke = h("button", { type: "button", class: "button danger", "data-testid": "revoke", disabled: inactive }, "Delete…");
  const stackWarning = key.managed_by_stack
    ? h(
        "div",
        { class: "notice", role: "note", "data-testid": "stack-notice" },
        h("strong", {}, `Managed by stack ${key.managed_by_stack}. `),
        "Changes made here (rename, regenerate, delete) are drift: the stack's next plan will notice them and put the key back as declared — ",
        "a regenerated or deleted key is replaced by a new one.",
      )
    : null;

  regenerate.addEventListener("click", async () => {
    const grace = h("select", { id: "grace-period" });
    for (const [value, label] of GRACE_PERIODS) grace.append(h("option", { value }, label));
    const ok = await confirmAction({
      title: `Regenerate ${key.name}?`,
      message: "A new secret is issued for the same key id. The new secret is shown once.",
      extra: h("div", { class: "field" }, h("label", { for: "grace-period" }, "Grace period for the old secret"), grace, stackWarning ? h("p", { class: "field-help" }, `Stack ${key.managed_by_stack} will replace this key on its next apply.`) : null),
      confirmLabel: "Regenerate",
    });
    if (!ok) return;
    try {
      const res = await api.regenerateKey(accountId, key.id, grace.value || null);
      let panel: ReturnType<typeof secretPanel> | null = null;
      const modal = openModal("New secret", { wide: true, testId: "secret-dialog", onClose: () => { panel?.dispose(); panel = null; reload(); } });
      panel = secretPanel(res, () => modal.close());
      modal.body.append(panel.el);
    } catch (err) {
      toast(err instanceof KeyformError ? `${err.code}: ${err.detail}` : String(err), "error");
    }
  });

  revoke.addEventListener("click", async () => {
    const ok = await confirmAction({
      title: `Delete ${key.name}?`,
      message: `The key is revoked at once: every request using it fails from now on. The record stays, with status “revoked”.${key.managed_by_stack ? ` Stack ${key.managed_by_stack} will see it as drift and create a replacement on its next apply.` : ""}`,
      confirmLabel: "Delete key",
      danger: true,
    });
    if (!ok) return;
    try {
      await api.revokeKey(accountId, key.id);
      toast(`Key ${key.name} revoked.`);
      reload();
    } catch (err) {
      toast(err instanceof KeyformError ? `${err.code}: ${err.detail}` : String(err), "error");
    }
  });

  const fields: Array<[string, Node | string]> = [
    ["Id", h("code", {}, key.id)],
    ["Account", key.account],
    ["Name", key.name],
    ["Type", typeBadge(key.type)],
    ["Key", h("code", { class: "masked" }, key.masked)],
    ["Status", statusBadge(key.status)],
    ["Scopes", key.scopes.length ? h("span", {}, ...key.scopes.map((s) => h("code", { class: "scope" }, s))) : h("span", { class: "muted" }, "none")],
    ["Created", formatDateTime(key.created_at)],
    ["Expires in", key.expires_in ?? "—"],
    ["Expires at", expiryCell(key.expires_at, key.status)],
    ["Last used", lastUsedCell(key.last_used_at)],
    ["Uses", String(key.uses)],
    ["Remaining uses", key.remaining_uses === null ? "unlimited" : String(key.remaining_uses)],
    ["Managed by stack", key.managed_by_stack ? h("a", { href: stackHref(key.managed_by_stack, key.managed_by_stack_owner) }, key.managed_by_stack) : "—"],
  ];

  replaceChildren(
    root,
    h("p", {}, h("a", { href: "#/keys" }, "← Keys")),
    h("div", { class: "view-head" }, h("h1", {}, key.name), h("div", { class: "button-row" }, regenerate, revoke)),
    stackWarning,
    h("dl", { class: "details", "data-testid": "key-fields" }, ...fields.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-field": k }, v)])),
    h("h2", {}, "Usage (last 30 days, per minute)"),
    usage.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "table" },
            h("thead", {}, h("tr", {}, ...["Minute", "Operation", "Source", "Count"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, ...usage.map((u) => h("tr", {}, h("td", {}, formatDateTime(u.minute)), h("td", {}, u.operation), h("td", {}, h("code", {}, u.source)), h("td", { class: "num" }, String(u.count))))),
          ),
        )
      : h("p", { class: "empty" }, "No recorded use."),
  );
}
