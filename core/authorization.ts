/**
 * Every authorization decision keyform makes, in one place. REST routes, the console (through REST),
 * plans, applies, data sources, imports, the CLI and the Terraform provider (both through REST) all ask
 * `may(principal, action)`; each path only translates a refusal (problem+json, plan diagnostic, …).
 *
 * The rules:
 * - The operator may do everything. An anonymous caller may do nothing.
 * - An account key acts on its own account only; anything of another account is "not found", worded as
 *   for a missing object. Reads need `keys:read` (implied by `keys:manage`), changes `keys:manage`,
 *   verification `keys:verify`.
 * - No principal obtains a credential stronger or longer-lived than itself: a key may create, import,
 *   regenerate, change or revoke only keys it *dominates* (scopes a subset of its own, expiry no later
 *   than its own), and only into keys it dominates. A temp key may not create, import or regenerate.
 * - Stacks belong to an owner (an account, or the operator): a key sees only its own account's stacks,
 *   and an account's stack holds only that account's keys (`stackMayHold`), so a plan of it reads
 *   nothing of another account.
 */

/** Who is calling. A key principal carries what the rules need of the key that authenticated. */
export type Principal =
  | { readonly kind: "operator" }
  | { readonly kind: "anonymous" }
  | {
      readonly kind: "key";
      readonly id: string;
      readonly account: string;
      readonly type: "live" | "temp" | "legacy";
      readonly scopes: readonly string[];
      /** Epoch ms; null: never expires. */
      readonly expiresAt: number | null;
    };

/** What the rules need to know of a key a principal acts on or asks for. */
export interface KeyGrant {
  readonly account: string;
  readonly type: "live" | "temp" | "legacy";
  readonly scopes: readonly string[];
  /** Epoch ms; null: never expires. */
  readonly expiresAt: number | null;
}

export type ApiScope = "keys:read" | "keys:manage" | "keys:verify";

export type Action =
  /** Create or change accounts: the operator alone. */
  | { readonly do: "account.admin" }
  /** An account, its keys (listing, details, usage) and its audit log. */
  | { readonly do: "account.read"; readonly account: string }
  /** Anything that changes keys of the account; the per-key actions below come on top. */
  | { readonly do: "account.manage"; readonly account: string }
  | { readonly do: "key.create"; readonly key: KeyGrant }
  | { readonly do: "key.import"; readonly key: KeyGrant }
  | { readonly do: "key.update"; readonly before: KeyGrant; readonly after: KeyGrant }
  | { readonly do: "key.regenerate"; readonly before: KeyGrant; readonly after: KeyGrant }
  | { readonly do: "key.revoke"; readonly key: KeyGrant }
  /** POST /v1/verify; `account` is the verified key's account, once known. */
  | { readonly do: "key.verify"; readonly account?: string }
  /**
   * A stack of an owner (an account, or null for the operator's own stacks), its plans and state.
   * Planning is a read; applying also passes the per-key actions of every change (`key.*` above).
   */
  | { readonly do: "stack.read" | "stack.plan"; readonly owner: string | null }
  | { readonly do: "stack.apply" | "stack.unlock"; readonly owner: string | null };

export type Refusal = { readonly code: "NOT_FOUND" | "FORBIDDEN" | "UNAUTHORIZED"; readonly detail: string };
export type Decision = { readonly ok: true } | ({ readonly ok: false } & Refusal);

const ALLOW: Decision = { ok: true };
const deny = (code: Refusal["code"], detail: string): Decision => ({ ok: false, code, detail });

/** `keys:manage` implies `keys:read`. */
export function holdsScope(scopes: readonly string[], scope: string): boolean {
  return scopes.includes(scope) || (scope === "keys:read" && scopes.includes("keys:manage"));
}

/** The scopes of `requested` that `held` does not cover. */
export function scopesNotHeld(held: readonly string[], requested: readonly string[]): string[] {
  return requested.filter((s) => !holdsScope(held, s));
}

/** Wording shared by every path: another account's objects read exactly like missing ones. */
export const notFound = {
  account: (id: string) => `Account ${id} not found`,
  key: (id: string) => `Key ${id} not found`,
  stack: (name: string) => `Stack ${name} not found`,
  plan: (id: string) => `Plan ${id} not found`,
};

export function may(p: Principal, action: Action): Decision {
  if (p.kind === "operator") return ALLOW;
  if (p.kind === "anonymous") return deny("UNAUTHORIZED", "Missing or invalid credentials.");
  return refusal(p, action) ?? ALLOW;
}

/** The first rule an account key breaks with this action, or null. */
function refusal(p: KeyPrincipal, action: Action): Decision | null {
  switch (action.do) {
    case "account.admin":
      return deny("FORBIDDEN", "Only the operator token may change accounts.");
    case "account.read":
      return own(p, action.account) ?? scoped(p, "keys:read");
    case "account.manage":
      return own(p, action.account) ?? scoped(p, "keys:manage");
    case "key.create":
    case "key.import":
      return (
        own(p, action.key.account) ??
        scoped(p, "keys:manage") ??
        (p.type === "temp" ? deny("FORBIDDEN", `A temp key cannot ${action.do === "key.create" ? "create" : "import"} keys.`) : null) ??
        grants(p, action.key, "create a key")
      );
    case "key.regenerate":
      return (
        own(p, action.before.account) ??
        scoped(p, "keys:manage") ??
        (p.type === "temp" ? deny("FORBIDDEN", "A temp key cannot regenerate keys.") : null) ??
        dominates(p, action.before, "regenerate") ??
        grants(p, action.after, "regenerate a key into")
      );
    case "key.update":
      return own(p, action.before.account) ?? scoped(p, "keys:manage") ?? dominates(p, action.before, "change") ?? grants(p, action.after, "change a key into");
    case "key.revoke":
      return own(p, action.key.account) ?? scoped(p, "keys:manage") ?? dominates(p, action.key, "revoke");
    case "key.verify":
      return (action.account === undefined ? null : own(p, action.account)) ?? scoped(p, "keys:verify");
    case "stack.read":
    case "stack.plan":
      return ownStack(p, action.owner) ?? scoped(p, "keys:read");
    case "stack.apply":
    case "stack.unlock":
      return ownStack(p, action.owner) ?? scoped(p, "keys:manage");
  }
}

type KeyPrincipal = Extract<Principal, { kind: "key" }>;

function own(p: KeyPrincipal, account: string): Decision | null {
  return p.account === account ? null : deny("NOT_FOUND", notFound.account(account));
}

function ownStack(p: KeyPrincipal, owner: string | null): Decision | null {
  // The caller names the stack; only the operator can name another owner's, so this is "not found".
  return owner === p.account ? null : deny("NOT_FOUND", "Stack not found");
}

function scoped(p: KeyPrincipal, scope: ApiScope): Decision | null {
  return holdsScope(p.scopes, scope) ? null : deny("FORBIDDEN", `This key lacks the ${scope} scope.`);
}

/** Expiry `a` is no later than expiry `b` (null: never). */
function noLater(a: number | null, b: number | null): boolean {
  return b === null || (a !== null && a <= b);
}

const iso = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString());

/** The principal may act on an existing key only when it is at least as strong and as long-lived. */
function dominates(p: KeyPrincipal, key: KeyGrant, verb: string): Decision | null {
  const missing = scopesNotHeld(p.scopes, key.scopes);
  if (missing.length) return deny("FORBIDDEN", `A key cannot ${verb} a key holding scopes it does not hold itself: ${missing.join(", ")}.`);
  if (!noLater(key.expiresAt, p.expiresAt)) {
    return deny("FORBIDDEN", `A key cannot ${verb} a key that outlives it (that key expires ${iso(key.expiresAt)}, this one ${iso(p.expiresAt)}).`);
  }
  return null;
}

/** A key the principal would bring into being (created, imported, or a key's new state) must be one it dominates. */
function grants(p: KeyPrincipal, key: KeyGrant, verb: string): Decision | null {
  const missing = scopesNotHeld(p.scopes, key.scopes);
  if (missing.length) return deny("FORBIDDEN", `A key cannot grant scopes it does not hold: ${missing.join(", ")}.`);
  if (!noLater(key.expiresAt, p.expiresAt)) {
    return deny("FORBIDDEN", `A key cannot ${verb} one that outlives it (expires ${iso(key.expiresAt)}; this key expires ${iso(p.expiresAt)}).`);
  }
  return null;
}

/** Of `keys`, those the principal may revoke (revoke-all by an account key). */
export function revocable<K extends KeyGrant>(p: Principal, keys: readonly K[]): K[] {
  return keys.filter((k) => may(p, { do: "key.revoke", key: k }).ok);
}

/** Whether a stack of this owner may manage or read keys of `account`: its own account's, or any for the operator's. */
export function stackMayHold(owner: string | null, account: string): boolean {
  return owner === null || owner === account;
}
