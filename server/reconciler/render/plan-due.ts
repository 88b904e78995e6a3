import type { Plan } from "../reconciler.types";

const DAY = 24 * 60 * 60 * 1000;
/** How far ahead a pull request is warned of rotations and expiries. */
export const DUE_WINDOW_DAYS = 14;

export interface DueItem {
  address: string;
  kind: "rotation" | "expiry";
  /** ISO time it falls due, or null: it happens in this plan. */
  at: string | null;
  /** Plain words, e.g. "regenerated in place; the old secret stays valid for 12h". */
  detail: string;
}

/**
 * The rotations and expiries of a plan's keys that happen in it or fall due within `days` of when it
 * was made: what a reviewer should know before the key breaks a consumer. Temp keys (minutes long) are
 * left out. Pure data; each renderer escapes it for its own format.
 */
export function dueSoon(plan: Plan, days = DUE_WINDOW_DAYS): DueItem[] {
  const horizon = plan.createdAt + days * DAY;
  const items: DueItem[] = [];
  const rotatingNow = new Set<string>();
  for (const c of plan.changes) {
    if (c.reason === "rotation_due") {
      rotatingNow.add(c.address);
      const overlap = c.desired?.rotation_overlap;
      items.push({ address: c.address, kind: "rotation", at: null, detail: `in this plan: regenerated in place, the old secret stays valid for ${overlap ?? "0s"} after apply` });
    } else if (c.reason === "rotate_every_due") {
      rotatingNow.add(c.address);
      items.push({ address: c.address, kind: "rotation", at: null, detail: "in this plan: replaced by a new key (no rotation_overlap), the old secret stops working at apply" });
    }
  }
  for (const r of plan.terraform.plannedValues.resources) {
    if (r.mode !== "managed" || r.values.type === "temp") continue;
    const due = (kind: DueItem["kind"], at: string | null | undefined) => {
      const t = typeof at === "string" ? Date.parse(at) : NaN;
      if (Number.isNaN(t) || t > horizon) return;
      items.push({ address: r.address, kind, at: new Date(t).toISOString(), detail: t <= plan.createdAt ? "overdue" : `in ${Math.ceil((t - plan.createdAt) / DAY)} day(s)` });
    };
    if (!rotatingNow.has(r.address)) due("rotation", r.values.rotation_due_at);
    due("expiry", r.values.expires_at);
  }
  const key = (i: DueItem) => `${i.at ?? ""}\u0000${i.address}\u0000${i.kind}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
