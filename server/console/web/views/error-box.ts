/// <reference lib="dom" />
import { failure, KeyformError } from "../api";
import { h } from "../dom";

/** A problem+json error, shown with its stable code so users can search for it. */
export function errorBox(err: unknown): HTMLElement {
  const e = err instanceof KeyformError ? err : failure("ERROR", err instanceof Error ? err.message : String(err));
  return h("div", { class: "error-box", role: "alert" }, h("strong", {}, e.code), " ", e.detail);
}
