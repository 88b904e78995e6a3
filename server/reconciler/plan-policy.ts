import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import { EXPIRES_IN, type ExpiresIn, parseDuration, resolveExpiry } from "../keys/expiry";
import { MAX_SCOPES, NAME_RE, SCOPE_RE, scopesNotHeld } from "../keys/key.policy";
import type { PlanNode } from "./plan-resource";
import { excerpt } from "./evaluation-limits";
import type { CurrentState, Diagnostic, KeyTypeName, PlannedChange } from "./reconciler.types";

/** A configured value quoted in a diagnostic, shortened: one per instance, so never a megabyte each. */
const quote = (v: string | null) => JSON.stringify(v === null ? v : excerpt(v));

/**
 * Key policy at plan time: the same rules the key service enforces on every write (names, expiry,
 * scopes, accounts, limits), reported as diagnostics naming the resource instead of thrown.
 * Only what this plan sets is judged; keys left as they are keep their standing.
 */
export function checkPolicies(ordered: PlanNode[], changes: PlannedChange[], current: CurrentState, now: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = (address: string, code: ErrorCode, summary: string, detail: string) => out.push({ severity: "error", summary, detail, address, code });
  const knownAccount = (n: PlanNode): boolean => {
    const account = n.desired?.account;
    return !!account && Object.hasOwn(current.accounts, account) && !!current.accounts[account];
  };

  for (const n of ordered) {
    const d = n.desired;
    if (!d || !n.desiredKey) continue;
    // Own properties only: an account named like an Object.prototype member ("constructor") is unknown too.
    if (!d.account || !Object.hasOwn(current.accounts, d.account) || !current.accounts[d.account]) {
      if (d.account) err(n.address, ErrorCode.NOT_FOUND, "Unknown account", `Account "${d.account}" does not exist (or is not visible to this token).`);
      else err(n.address, ErrorCode.VALIDATION_FAILED, "Missing account", `${n.address} has no account: set "account" on the resource or on its keyform provider block.`);
      continue;
    }
    const key = n.desiredKey;
    const setsAll = n.action === "create" || n.action === "replace";
    const sets = (attr: string) => setsAll || n.updates.includes(attr as never);

    if (setsAll && key.type === "legacy") {
      err(n.address, ErrorCode.LEGACY_KEYS_CANNOT_BE_CREATED, "Legacy keys cannot be created", `${n.address} would create a key of type "legacy". Legacy (UUID) keys can be imported and verified, never generated: import the existing key by its id, or use type "live".`);
    }
    if (sets("name") && !NAME_RE.test(key.name)) {
      err(n.address, ErrorCode.VALIDATION_FAILED, "Invalid key name", `name must be 1–128 characters of A-Z a-z 0-9 - _; got ${quote(key.name)}.`);
    }

    const configuresExpiry = d.args.expires_in !== null || d.args.expires_at !== null;
    if (key.type === "temp" && configuresExpiry) {
      err(n.address, ErrorCode.VALIDATION_FAILED, "Temp keys take no expiry", "A temp key is valid for 5 minutes or 10 verifications; remove expires_in and expires_at.");
    } else if (key.type !== "temp" && d.args.expires_in !== null && d.args.expires_at !== null) {
      err(n.address, ErrorCode.VALIDATION_FAILED, "Conflicting expiry", "Give expires_in or expires_at, not both.");
    } else if (key.type !== "temp" && key.expires_in !== null && !(EXPIRES_IN as readonly string[]).includes(key.expires_in)) {
      err(n.address, ErrorCode.VALIDATION_FAILED, "Invalid expires_in", `expires_in must be one of ${EXPIRES_IN.join(", ")}; got ${quote(key.expires_in)}.`);
    } else if (key.type !== "temp" && (setsAll || sets("expires_in") || sets("expires_at"))) {
      const maxExpiry = current.accounts[d.account!]!.maxExpiry;
      const req = key.expires_at !== null ? { expires_at: key.expires_at } : { expires_in: (key.expires_in ?? "never") as ExpiresIn };
      try {
        resolveExpiry(req, maxExpiry, now);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        if (e.code === ErrorCode.EXPIRY_EXCEEDS_POLICY) err(n.address, e.code, "Expiry exceeds policy", e.detail);
        else err(n.address, ErrorCode.VALIDATION_FAILED, "Invalid expires_at", `expires_at must be an RFC 3339 time in the future; got ${quote(key.expires_at)}.`);
      }
    }
    if (key.rotate_every !== null && parseDuration(key.rotate_every) === null) {
      err(n.address, ErrorCode.VALIDATION_FAILED, "Invalid rotate_every", `rotate_every must be a duration such as 30d, 12h or 1y; got ${quote(key.rotate_every)}.`);
    }

    if (sets("scopes")) {
      const bad = key.scopes.filter((s) => !SCOPE_RE.test(s));
      if (bad.length) err(n.address, ErrorCode.VALIDATION_FAILED, "Invalid scopes", `Scopes must look like "alerts:send"; invalid: ${bad.slice(0, 10).map(quote).join(", ")}${bad.length > 10 ? ` and ${bad.length - 10} more` : ""}.`);
      if (key.scopes.length > MAX_SCOPES) err(n.address, ErrorCode.VALIDATION_FAILED, "Too many scopes", `A key holds at most ${MAX_SCOPES} scopes; ${n.address} has ${key.scopes.length}.`);
      if (current.grantorScopes !== null) {
        const granted = setsAll ? key.scopes : key.scopes.filter((s) => !(n.before?.scopes ?? []).includes(s));
        const missing = scopesNotHeld(current.grantorScopes, granted);
        if (missing.length) {
          err(n.address, ErrorCode.FORBIDDEN, "Scopes not held", `A key cannot give a key scopes it does not hold itself; the calling key lacks ${missing.map((s) => JSON.stringify(s)).join(", ")}.`);
        }
      }
    }
  }

  checkNames(ordered, current, err, knownAccount);
  checkLimits(ordered, changes, current, err);
  return out;
}

type Report = (address: string, code: ErrorCode, summary: string, detail: string) => void;

/** Names are unique among an account's active keys, counting what this plan deletes, replaces and renames. */
function checkNames(ordered: PlanNode[], current: CurrentState, err: Report, knownAccount: (n: PlanNode) => boolean): void {
  const released = new Set<string>();
  for (const n of ordered) {
    const oldKey = n.importId ?? n.state?.keyId;
    if (!oldKey) continue;
    if (n.action === "delete" || n.action === "replace") released.add(oldKey);
    if ((n.action === "update" || n.action === "import") && n.updates.includes("name")) released.add(`${oldKey}\u0000${n.before?.name}`);
  }
  const claims = new Map<string, PlanNode[]>();
  for (const n of ordered) {
    if (!n.desired || !n.desiredKey || !knownAccount(n) || n.action === "delete" || n.action === "forget") continue;
    const k = `${n.desired.account}\u0000${n.desiredKey.name}`;
    claims.set(k, [...(claims.get(k) ?? []), n]);
  }
  for (const [k, claimers] of [...claims].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [account, name] = k.split("\u0000");
    const first = claimers[0];
    for (const other of claimers.slice(1)) {
      err(other.address, ErrorCode.NAME_TAKEN, "Duplicate key name", `${other.address} and ${first.address} both declare the name ${JSON.stringify(name)} in account ${account}; names are unique among an account's active keys.`);
    }
    for (const n of claimers) {
      const setsName = n.action === "create" || n.action === "replace" || n.updates.includes("name");
      if (!setsName) continue;
      const holder = current.accounts[account]!.activeNames[name];
      const own = n.action === "replace" ? undefined : n.importId ?? n.state?.keyId;
      if (!holder || holder === own || released.has(holder) || released.has(`${holder}\u0000${name}`)) continue;
      err(n.address, ErrorCode.NAME_TAKEN, "Name taken", `Account ${account} already has an active key named ${JSON.stringify(name)} (${holder}) that this plan does not delete or rename.`);
    }
  }
}

/**
 * Walks the apply steps in order and counts active keys per account as they would be after each
 * step. A destroy-first replacement frees its slot before taking one; a create_before_destroy
 * replacement needs a free slot for the moment both keys exist.
 */
function checkLimits(ordered: PlanNode[], changes: PlannedChange[], current: CurrentState, err: Report): void {
  const counts = new Map<string, { keys: number; temp: number }>();
  const countsOf = (account: string) => {
    let c = counts.get(account);
    if (!c) {
      const info = current.accounts[account]!;
      c = { keys: info.activeKeys, temp: info.activeTempKeys };
      counts.set(account, c);
    }
    return c;
  };
  const kind = (t: KeyTypeName): "temp" | "keys" => (t === "temp" ? "temp" : "keys");
  ordered.forEach((n, i) => {
    const change = changes[i];
    const newAccount = change.account;
    const oldAccount = n.before?.account;
    const oldActive = n.before?.status === "active" && oldAccount && current.accounts[oldAccount];
    const release = () => {
      if (oldActive) countsOf(oldAccount!)[kind(n.before!.type)]--;
    };
    const take = () => {
      if (!current.accounts[newAccount] || !n.desiredKey) return;
      const c = countsOf(newAccount);
      const k = kind(n.desiredKey.type);
      const limit = k === "temp" ? current.tempKeyCap : current.accounts[newAccount]!.keyLimit;
      if (c[k] + 1 > limit) {
        const cbd = n.action === "replace" && change.createBeforeDestroy;
        err(
          n.address,
          ErrorCode.KEY_LIMIT_REACHED,
          "Key limit reached",
          `account ${newAccount} has ${c[k]} of ${limit} ${k === "temp" ? "temp keys" : "keys"}; ${n.address} needs one more${cbd ? " while create_before_destroy keeps the old key until the new one exists" : ""}.`,
        );
      }
      c[k]++;
    };
    if (n.action === "delete") release();
    else if (n.action === "create") take();
    else if (n.action === "replace") {
      if (change.createBeforeDestroy) (take(), release());
      else (release(), take());
    }
  });
}
