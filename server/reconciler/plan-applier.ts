import type { PlanNode } from "./plan-resource";
import type { ApplierNeeds, KeyValues } from "./reconciler.types";

/**
 * What a principal must hold to apply a plan: planning is a read, so a pull request's read-only key
 * can plan a change it could never apply. Apply checks every step for real (core/authorization.ts,
 * the same decision a change made by hand passes); this is the plan's statement of it, so a reviewer
 * knows in advance which credential the apply needs.
 */
export function applierNeeds(ordered: PlanNode[]): ApplierNeeds {
  const accounts = new Set<string>();
  const scopes = new Set<string>();
  let neverExpiring = false;
  let latest: string | null = null;
  let longestLifetime: string | null = null;
  let createsKeys = false;
  const touch = (k: Pick<KeyValues, "account" | "scopes" | "expires_at"> | null | undefined, lifetime?: string | null) => {
    if (!k) return;
    accounts.add(k.account);
    for (const s of k.scopes) scopes.add(s);
    if (lifetime === "never" || (lifetime === undefined && k.expires_at === null)) neverExpiring = true;
    else if (lifetime) longestLifetime = longer(longestLifetime, lifetime);
    // (a value that is not a time was refused by the plan already: it states nothing)
    else if (k.expires_at && !Number.isNaN(Date.parse(k.expires_at)) && (latest === null || Date.parse(k.expires_at) > Date.parse(latest))) latest = k.expires_at;
  };
  for (const n of ordered) {
    switch (n.action) {
      case "create":
      case "replace": {
        createsKeys = true;
        if (n.action === "replace") touch(n.before);
        const d = n.desiredKey;
        // A new key's expiry counts from the apply: with expires_in it is known only then.
        if (d && n.after && d.type !== "temp") touch(n.after, d.expires_at !== null ? undefined : d.expires_in ?? "never");
        else if (n.after) touch(n.after, null); // a temp key lives minutes: no constraint worth stating
        break;
      }
      case "import":
        createsKeys = true; // adopting a key is refused to temp keys like creating one
        touch(n.before);
        if (n.updates.length) touch(n.after, n.updates.includes("expires_in") ? n.desiredKey?.expires_in ?? null : undefined);
        break;
      case "update":
        if (n.regenerate) createsKeys = true; // a rotation in place hands out a new secret: refused to temp keys
        touch(n.before);
        touch(n.after, n.updates.includes("expires_in") ? n.desiredKey?.expires_in ?? null : undefined);
        break;
      case "delete":
      case "move":
      case "forget":
        touch(n.before);
        break;
      case "noop":
        break;
    }
  }
  return {
    accounts: [...accounts].filter(Boolean).sort(),
    scopes: [...scopes].sort(),
    lifetime: neverExpiring ? { never: true } : { expires_at_or_later: latest, lives_at_least: longestLifetime },
    creates_keys: createsKeys,
  };
}

const DAYS: Record<string, number> = { "30d": 30, "90d": 90, "1y": 365, "2y": 730 };

/** The longer of two `expires_in` choices. */
function longer(a: string | null, b: string): string {
  return a === null || (DAYS[b] ?? 0) > (DAYS[a] ?? 0) ? b : a;
}

/** One sentence for the text and markdown renderings. Account ids and scopes are restricted charsets. */
export function applierSentence(a: ApplierNeeds): string | null {
  if (a.accounts.length === 0) return null;
  const who = `keys:manage on ${a.accounts.length > 1 ? "accounts " : "account "}${a.accounts.join(", ")}${a.accounts.length > 1 ? " (the operator token, as the plan spans accounts)" : ""}`;
  const held = a.scopes.length ? `; every scope it grants or touches (${a.scopes.join(", ")})` : "";
  const l = a.lifetime;
  const life =
    "never" in l
      ? "; a credential that never expires"
      : [l.expires_at_or_later ? `not expiring before ${l.expires_at_or_later}` : null, l.lives_at_least ? `living at least ${l.lives_at_least} past the apply` : null]
          .filter(Boolean)
          .map((s, i) => (i === 0 ? `; a credential ${s}` : ` and ${s}`))
          .join("");
  return `To apply this plan: ${who}${held}${life}${a.creates_keys ? "; not a temp key" : ""}.`;
}
