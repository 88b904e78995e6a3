/// <reference lib="dom" />
import { EXPIRES_IN } from "../../../../core/keys/expiry";
import { nameViolation } from "../../../../core/keys/names";
import { scopesViolation } from "../../../../core/keys/scopes";
import { api, failure, KeyformError, type AccountView } from "../api";
import { h } from "../dom";
import { openModal } from "./modal";
import { secretPanel } from "./secret-panel";

const EXPIRY_LABELS: Record<(typeof EXPIRES_IN)[number], string> = {
  "30d": "30 days",
  "90d": "90 days",
  "1y": "1 year",
  "2y": "2 years",
  never: "Never",
};
const KNOWN_SCOPES = [
  ["keys:read", "read this account's keys"],
  ["keys:manage", "create, change and revoke keys (implies keys:read)"],
  ["keys:verify", "verify this account's keys"],
] as const;

/** Why a name is refused, or null when it is acceptable: the server's rule (core/keys/names), in a form's words. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return "A name is required.";
  if (name.length > 128) return `At most 128 characters (this one has ${name.length}).`;
  if (nameViolation(name)) {
    const bad = [...new Set(name.replace(/[A-Za-z0-9_-]/g, ""))].map((c) => (c === " " ? "space" : `“${c}”`)).join(", ");
    return `Only letters, digits, - and _ are allowed (not ${bad}).`;
  }
  return null;
}

/** Expiry choices the account's `max_expiry` allows; `never` only without a policy. */
export function allowedExpiries(maxExpiry: string | null): Set<string> {
  const order = EXPIRES_IN as readonly string[];
  const limit = maxExpiry === null ? order.length - 1 : order.indexOf(maxExpiry);
  return new Set(order.filter((_, i) => limit < 0 || i <= limit));
}

export function openCreateKeyDialog(account: AccountView, onCreated: () => void): void {
  let secret: ReturnType<typeof secretPanel> | null = null;
  const modal = openModal("Create key", {
    testId: "create-key-dialog",
    wide: true,
    onClose: () => {
      secret?.dispose();
      secret = null;
    },
  });

  const name = h("input", { id: "key-name", name: "name", autocomplete: "off", spellcheck: "false", maxlength: 200, required: true, "aria-describedby": "key-name-help" });
  const nameHelp = h("p", { id: "key-name-help", class: "field-help" }, "1–128 letters, digits, - or _. Unique among the account's active keys.");
  const typeLive = h("input", { type: "radio", name: "type", value: "live", checked: true });
  const typeTemp = h("input", { type: "radio", name: "type", value: "temp" });

  const allowed = allowedExpiries(account.max_expiry);
  const expiry = h("select", { id: "key-expiry", name: "expires_in" });
  for (const e of EXPIRES_IN) {
    const ok = allowed.has(e);
    expiry.append(h("option", { value: e, disabled: !ok }, ok ? EXPIRY_LABELS[e] : `${EXPIRY_LABELS[e]} — over the account's limit`));
  }
  expiry.value = allowed.has("90d") ? "90d" : [...allowed].pop() ?? "30d";
  const expiryRow = h(
    "div",
    { class: "field" },
    h("label", { for: "key-expiry" }, "Expires after"),
    expiry,
    h("p", { class: "field-help" }, account.max_expiry ? `Account policy: keys live at most ${EXPIRY_LABELS[account.max_expiry as "1y"] ?? account.max_expiry}.` : "The account sets no maximum lifetime."),
  );
  const tempNote = h("p", { class: "field-help", hidden: true }, "A temp key works for 5 minutes or 10 successful verifications, whichever comes first.");

  const scopeBoxes = KNOWN_SCOPES.map(([scope, help]) =>
    h("label", { class: "checkbox" }, h("input", { type: "checkbox", name: "scope", value: scope }), h("code", {}, scope), h("span", { class: "muted" }, ` ${help}`)),
  );
  const extraScopes = h("input", { id: "key-scopes", name: "scopes", placeholder: "alerts:send, reports:read", autocomplete: "off", spellcheck: "false" });
  const scopesHelp = h("p", { class: "field-help" }, "Other scopes, separated by commas or spaces.");

  const formError = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "button primary", disabled: true }, "Create key");
  const cancel = h("button", { type: "button", class: "button" }, "Cancel");
  cancel.addEventListener("click", () => modal.close());

  const extraList = () => extraScopes.value.split(/[\s,]+/).filter(Boolean);
  const badScopes = () => extraList().filter((s) => scopesViolation([s]) !== null);

  const validate = (): boolean => {
    const problem = nameProblem(name.value);
    const touched = name.value.length > 0 || name.dataset.touched === "1";
    name.setAttribute("aria-invalid", problem && touched ? "true" : "false");
    nameHelp.textContent = problem && touched ? problem : "1–128 letters, digits, - or _. Unique among the account's active keys.";
    nameHelp.classList.toggle("field-error", Boolean(problem && touched));
    const bad = badScopes();
    scopesHelp.textContent = bad.length ? `Not a valid scope: ${bad.join(", ")}` : "Other scopes, separated by commas or spaces.";
    scopesHelp.classList.toggle("field-error", bad.length > 0);
    const ok = problem === null && bad.length === 0 && (typeTemp.checked || allowed.has(expiry.value));
    submit.disabled = !ok;
    return ok;
  };
  name.addEventListener("input", validate);
  name.addEventListener("blur", () => {
    name.dataset.touched = "1";
    validate();
  });
  extraScopes.addEventListener("input", validate);
  for (const radio of [typeLive, typeTemp]) {
    radio.addEventListener("change", () => {
      expiryRow.hidden = typeTemp.checked;
      tempNote.hidden = !typeTemp.checked;
      validate();
    });
  }

  const form = h(
    "form",
    { class: "form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "key-name" }, "Name"), name, nameHelp),
    h(
      "fieldset",
      { class: "field" },
      h("legend", {}, "Type"),
      h("label", { class: "radio" }, typeLive, " live ", h("span", { class: "muted" }, "— long-lived")),
      h("label", { class: "radio" }, typeTemp, " temp ", h("span", { class: "muted" }, "— short-lived, few uses")),
      tempNote,
    ),
    expiryRow,
    h("fieldset", { class: "field" }, h("legend", {}, "Scopes"), ...scopeBoxes, extraScopes, scopesHelp),
    formError,
    h("footer", { class: "modal-actions" }, cancel, submit),
  );

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    name.dataset.touched = "1";
    // An invalid form never reaches the server.
    if (!validate()) {
      name.focus();
      return;
    }
    const scopes = [...new Set([...scopeBoxes.map((l) => l.querySelector("input")!).filter((i) => i.checked).map((i) => i.value), ...extraList()])];
    const type = typeTemp.checked ? "temp" : "live";
    submit.disabled = true;
    formError.hidden = true;
    try {
      const res = await api.createKey(account.id, { name: name.value, type, ...(type === "live" ? { expires_in: expiry.value } : {}), ...(scopes.length ? { scopes } : {}) });
      form.remove();
      secret = secretPanel(res, () => modal.close());
      modal.body.append(secret.el);
      modal.dialog.querySelector("h2")!.textContent = "Key created";
      onCreated();
    } catch (err) {
      const problem = err instanceof KeyformError ? err : failure("ERROR", String(err));
      formError.textContent = problem.fieldErrors.length ? `${problem.detail} ${problem.fieldErrors.map((f) => `${f.field}: ${f.message}`).join("; ")}` : problem.detail;
      formError.dataset.code = problem.code;
      formError.hidden = false;
      if (problem.code === "NAME_TAKEN") name.setAttribute("aria-invalid", "true");
      validate();
    }
  });

  modal.body.append(form);
  name.focus();
}
