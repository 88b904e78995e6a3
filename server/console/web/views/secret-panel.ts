/// <reference lib="dom" />
import type { SecretResponse } from "../api";
import { copyText, h, toast } from "../dom";

/**
 * Shows a new secret once, in the four forms a user pastes it as. The secret lives only in this
 * panel's DOM and in the closure below; `dispose()` clears both (the caller then drops the modal).
 */
export function secretPanel(res: SecretResponse, onDone: () => void): { el: HTMLElement; dispose(): void } {
  let forms: Array<[string, string, string]> | null = [
    ["plain", "Plain text", res.secret],
    ["shell", "Shell export", res.formats.shell],
    ["kubernetes", "Kubernetes Secret", res.formats.kubernetes],
    ["base64", "Base64", res.formats.base64],
  ];
  const blocks = forms.map(([id, label, value]) => {
    const copy = h("button", { type: "button", class: "button small", "data-copy": id }, "Copy");
    copy.addEventListener("click", async () => {
      const text = forms?.find((f) => f[0] === id)?.[2];
      if (text === undefined) return;
      const ok = await copyText(text);
      copy.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => (copy.textContent = "Copy"), 1500);
      if (!ok) toast("Copying failed: select the text and copy it by hand.", "error");
    });
    return h(
      "section",
      { class: "secret-format", "data-format": id },
      h("div", { class: "secret-format-head" }, h("h3", {}, label), copy),
      h("pre", { class: "secret-value", tabindex: 0 }, value),
    );
  });
  const done = h("button", { type: "button", class: "button primary", "data-testid": "secret-done" }, "I have copied it — close");
  done.addEventListener("click", onDone);
  const el = h(
    "div",
    { class: "secret-panel", "data-testid": "secret-panel" },
    h(
      "p",
      { class: "warning", role: "alert" },
      h("strong", {}, "Copy this secret now. "),
      `It cannot be shown again: keyform keeps only a hash of it. If it is lost, regenerate the key.`,
    ),
    h("p", { class: "muted" }, `Key ${res.key.name} (${res.key.id}), shown in listings as `, h("code", {}, res.key.masked), "."),
    ...blocks,
    h("footer", { class: "modal-actions" }, done),
  );
  return {
    el,
    dispose() {
      el.querySelectorAll("pre").forEach((pre) => (pre.textContent = ""));
      el.remove();
      forms = null;
    },
  };
}
