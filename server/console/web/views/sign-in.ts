/// <reference lib="dom" />
import { api, failure, KeyformError } from "../api";
import { h, replaceChildren } from "../dom";
import { saveSession } from "../session";

/** Sign in with the operator token or an account key, checked against GET /v1/accounts/:account. */
export function renderSignIn(root: HTMLElement, onSignedIn: () => void): void {
  const token = h("input", { id: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const account = h("input", { id: "account", autocomplete: "off", spellcheck: "false", required: true, pattern: "[a-z0-9\\-]{1,64}", placeholder: "acme" });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "button primary" }, "Sign in");
  const form = h(
    "form",
    { class: "form card sign-in", "data-testid": "sign-in" },
    h("h1", {}, "Sign in to keyform"),
    h("div", { class: "field" }, h("label", { for: "token" }, "Operator token or account key"), token, h("p", { class: "field-help" }, "Kept in this tab's session storage only, and sent only to this server.")),
    h("div", { class: "field" }, h("label", { for: "account" }, "Account"), account, h("p", { class: "field-help" }, "The account to open. The operator can switch accounts later.")),
    error,
    submit,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const t = token.value.trim();
    const a = account.value.trim();
    if (!t || !/^[a-z0-9-]{1,64}$/.test(a)) {
      error.textContent = "Enter a token and an account id (lower-case letters, digits and -).";
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      await api.account(a, t);
      token.value = "";
      saveSession(t, a);
      onSignedIn();
    } catch (err) {
      const e2 = err instanceof KeyformError ? err : failure("ERROR", String(err));
      error.textContent =
        e2.status === 401 ? "This token was not accepted." : e2.status === 404 ? `No account ${a} for this token.` : e2.status === 403 ? "This key lacks the keys:read scope." : `${e2.code}: ${e2.detail}`;
      error.hidden = false;
      submit.disabled = false;
    }
  });
  replaceChildren(root, form);
  token.focus();
}
