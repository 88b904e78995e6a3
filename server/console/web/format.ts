/// <reference lib="dom" />
import { h } from "./dom";

const DAY = 86_400_000;
/** Keys expiring sooner than this are highlighted. */
export const EXPIRY_WARNING_DAYS = 14;

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function relative(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const [n, unit] = abs < 60_000 ? [Math.round(abs / 1000), "s"] : abs < 3_600_000 ? [Math.round(abs / 60_000), "min"] : abs < DAY ? [Math.round(abs / 3_600_000), "h"] : [Math.round(abs / DAY), "d"];
  return ms >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

/** Whole days until `iso` (negative once past), or null for a key that never expires. */
export function daysLeft(iso: string | null, now = Date.now()): number | null {
  if (!iso) return null;
  return Math.floor((new Date(iso).getTime() - now) / DAY);
}

/** The expiry cell: date and days left, highlighted when under the warning threshold. */
export function expiryCell(iso: string | null, status: string): HTMLElement {
  if (!iso) return h("span", { class: "muted" }, "never");
  const days = daysLeft(iso)!;
  const past = new Date(iso).getTime() <= Date.now();
  const soon = !past && days < EXPIRY_WARNING_DAYS && status === "active";
  // Days left only matter for a key that still works.
  const note = past ? "expired" : status !== "active" ? "" : days < 1 ? relative(iso) : `${days} day${days === 1 ? "" : "s"} left`;
  return h(
    "span",
    { class: soon ? "expiry expiry-soon" : "expiry", title: formatDateTime(iso) },
    formatDate(iso),
    note ? h("small", {}, note) : null,
  );
}

export function lastUsedCell(iso: string | null): HTMLElement {
  return iso ? h("span", { title: formatDateTime(iso) }, relative(iso)) : h("span", { class: "muted" }, "never");
}

export function typeBadge(type: string): HTMLElement {
  return h("span", { class: `badge badge-type-${type}` }, type);
}

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge badge-status-${status}`, "data-status": status }, status);
}
