/// <reference lib="dom" />
import { h } from "../dom";

export interface Modal {
  dialog: HTMLDialogElement;
  body: HTMLElement;
  /** Closes the dialog and removes it, and everything in it, from the document. */
  close(): void;
}

let modalCount = 0;

/** Opens a modal <dialog>; closing it (button, Escape) always removes it from the DOM. */
export function openModal(title: string, opts: { onClose?: () => void; wide?: boolean; testId?: string } = {}): Modal {
  const titleId = `modal-title-${++modalCount}`;
  const body = h("div", { class: "modal-body" });
  const closeButton = h("button", { type: "button", class: "icon-button", "aria-label": "Close" }, "×");
  const dialog = h(
    "dialog",
    { class: opts.wide ? "modal modal-wide" : "modal", "data-testid": opts.testId, "aria-labelledby": titleId },
    h("header", { class: "modal-header" }, h("h2", { id: titleId }, title), closeButton),
    body,
  );
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    body.replaceChildren();
    dialog.remove();
    opts.onClose?.();
  };
  closeButton.addEventListener("click", close);
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault();
    close();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, body, close };
}

/** Asks before a destructive action. Resolves true only on an explicit confirm. */
export function confirmAction(opts: { title: string; message: string | Node; confirmLabel: string; danger?: boolean; extra?: Node }): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    const modal = openModal(opts.title, { testId: "confirm", onClose: () => !answered && resolve(false) });
    const ok = h("button", { type: "button", class: opts.danger ? "button danger" : "button primary", "data-testid": "confirm-ok" }, opts.confirmLabel);
    const cancel = h("button", { type: "button", class: "button" }, "Cancel");
    ok.addEventListener("click", () => {
      answered = true;
      resolve(true);
      modal.close();
    });
    cancel.addEventListener("click", () => modal.close());
    modal.body.append(
      h("div", { class: "confirm-message" }, opts.message),
      opts.extra ?? "",
      h("footer", { class: "modal-actions" }, cancel, ok),
    );
    ok.focus();
  });
}
