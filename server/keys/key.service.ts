import type { EntityManager } from "typeorm";
import type { Account } from "../accounts/account.entity";
import type { AccountRepository } from "../accounts/account.repository";
import type { AuditRepository } from "../audit/audit.repository";
import { revocable } from "../../core/authorization";
import { actorOf, authorize, grantOf, type Principal } from "../auth/principal";
import type { Settings } from "../config";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { Store } from "../store/store";
import type { UsageRecorder } from "../usage/usage.recorder";
import { MAX_GRACE_MS, parseDuration, resolveExpiry, type ExpiresIn } from "./expiry";
import type { KeyCache } from "./key.cache";
import type { ApiKey } from "./key.entity";
import { checkLimit, normalizeScopes } from "./key.policy";
import { statusOf, type KeyRepository, type KeyStatus } from "./key.repository";
import { generateKeyId, generateSecret, hashSecret, isLegacySecret, maskSecret, suppliedSecretProblem, type KeyType, type SecretType } from "./key-secret";
import { isDuplicateEntry } from "../store/duplicate-entry";
import { secretFormats, toKeyView } from "./key.view";

export interface CreateKeyInput {
  name: string;
  type?: KeyType;
  expires_in?: ExpiresIn;
  expires_at?: string;
  scopes?: string[];
  /** Bring your own secret: checked by `suppliedSecret`, stored as its hash only. */
  secret?: string;
}

export interface ImportKeyInput {
  name: string;
  secret: string;
  scopes?: string[];
  expires_in?: ExpiresIn;
  expires_at?: string;
}

export interface PatchKeyInput {
  name?: string;
  scopes?: string[];
  expires_at?: string;
  expires_in?: ExpiresIn;
}

export interface ListKeysInput {
  status?: KeyStatus;
  type?: KeyType;
  limit?: number;
  cursor?: string;
}

export interface CallContext {
  principal: Principal;
  source: string;
}

export interface NewKey {
  key: ApiKey;
  secret: string;
  hash: string;
}

/** Rules for keys made by hand (REST, CLI, console). The reconciler reuses `build*` and the checks. */
export class KeyService {
  constructor(
    private readonly store: Store,
    private readonly keys: KeyRepository,
    private readonly accounts: AccountRepository,
    private readonly audit: AuditRepository,
    private readonly usage: UsageRecorder,
    private readonly cache: KeyCache,
    private readonly settings: Settings,
    private readonly clock: () => number,
  ) {}

  /** A new key row with a fresh secret; validates type and expiry against the account's policy. */
  buildKey(account: Account, input: CreateKeyInput, now: number, stack: { name: string; address: string } | null = null): NewKey {
    const type = input.type ?? "live";
    if (type === "legacy") {
      throw new AppError(ErrorCode.LEGACY_KEYS_CANNOT_BE_CREATED, "Legacy keys can only be imported (POST …/keys/import), never created.");
    }
    let expiresIn: ExpiresIn | null = null;
    let expiresAt: number | null = null;
    let maxUses: number | null = null;
    if (type === "temp") {
      if (input.expires_in !== undefined || input.expires_at !== undefined) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, "Temp keys take no expiry arguments.", {
          errors: [{ field: input.expires_in !== undefined ? "/expires_in" : "/expires_at", message: "not allowed for temp keys" }],
        });
      }
      expiresAt = now + this.settings.tempKeyTtlMs;
      maxUses = this.settings.tempKeyMaxUses;
    } else {
      ({ expiresIn, expiresAt } = resolveExpiry(input, account.maxExpiry, now));
    }
    const secret = input.secret === undefined ? generateSecret(this.settings.brand, type) : this.suppliedSecret(input.secret, type);
    return {
      secret,
      hash: hashSecret(secret),
      key: {
        id: generateKeyId(),
        accountId: account.id,
        name: input.name,
        type,
        masked: maskSecret(secret),
        scopes: normalizeScopes(input.scopes),
        createdAt: now,
        expiresIn,
        expiresAt,
        revokedAt: null,
        lastUsedAt: null,
        uses: 0,
        maxUses,
        generation: 1,
        stack: stack?.name ?? null,
        stackAddress: stack?.address ?? null,
      },
    };
  }

  /** A caller-supplied secret, if it can be a `type` key's secret of this server (the value is never echoed). */
  private suppliedSecret(secret: string, type: SecretType): string {
    const problem = suppliedSecretProblem(secret, this.settings.brand, type);
    if (problem) throw new AppError(ErrorCode.VALIDATION_FAILED, `The supplied secret ${problem}.`, { errors: [{ field: "/secret", message: problem }] });
    return secret;
  }

  /** A supplied secret must be new: one that any key holds or held (still stored) is refused, without saying which key. */
  private async refuseSecretInUse(tx: EntityManager, made: NewKey, supplied: boolean): Promise<void> {
    if (supplied && (await this.keys.secretHashExists(tx, made.hash))) throw secretInUse();
  }

  private async lockAccount(tx: EntityManager, accountId: string): Promise<Account> {
    const account = await this.accounts.lockForKeyChange(tx, accountId);
    if (!account) throw new AppError(ErrorCode.NOT_FOUND, `Account ${accountId} not found`);
    return account;
  }

  private async checkNameFree(tx: EntityManager, account: Account, name: string, now: number, exceptId?: string) {
    const taken = await this.keys.activeNamesTaken(account.id, [name], now, tx, exceptId ? [exceptId] : []);
    if (taken.size) throw new AppError(ErrorCode.NAME_TAKEN, `Account ${account.id} already has an active key named "${name}".`);
  }

  async create(ctx: CallContext, accountId: string, input: CreateKeyInput) {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    if (input.type === "legacy") {
      throw new AppError(ErrorCode.LEGACY_KEYS_CANNOT_BE_CREATED, "Legacy keys can only be imported (POST …/keys/import), never created.");
    }
    const now = this.clock();
    const made = await this.store.write(async (tx) => {
      const account = await this.lockAccount(tx, accountId);
      const made = this.buildKey(account, input, now);
      authorize(ctx.principal, { do: "key.create", key: grantOf(made.key) });
      await this.checkNameFree(tx, account, made.key.name, now);
      checkLimit(account, await this.keys.countActive(account.id, now, tx), made.key.type, this.settings.tempKeyCap);
      await this.refuseSecretInUse(tx, made, input.secret !== undefined);
      await this.keys.insert(tx, [made]);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.create", made.key.id, now, { name: made.key.name, type: made.key.type, ...suppliedFlag(input.secret) })]);
      return made;
    }).catch(secretRace(input.secret));
    return { key: toKeyView(made.key, now), secret: made.secret, formats: secretFormats(made.secret, made.key.name) };
  }

  async importLegacy(ctx: CallContext, accountId: string, input: ImportKeyInput) {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    if (!isLegacySecret(input.secret)) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "Only legacy UUID keys can be imported.", {
        errors: [{ field: "/secret", message: "must be a UUID such as dc746828-6bab-43d7-b01d-cc74eeb9759b" }],
      });
    }
    const now = this.clock();
    const hash = hashSecret(input.secret);
    const key = await this.store.write(async (tx) => {
      const account = await this.lockAccount(tx, accountId);
      const { expiresIn, expiresAt } = resolveExpiry(input, account.maxExpiry, now);
      authorize(ctx.principal, { do: "key.import", key: { account: accountId, type: "legacy", scopes: normalizeScopes(input.scopes), expiresAt } });
      await this.checkNameFree(tx, account, input.name, now);
      checkLimit(account, await this.keys.countActive(account.id, now, tx), "legacy", this.settings.tempKeyCap);
      if (await this.keys.secretHashExists(tx, hash)) throw new AppError(ErrorCode.KEY_EXISTS, "This key has already been imported.");
      const key: ApiKey = {
        id: generateKeyId(), accountId, name: input.name, type: "legacy", masked: maskSecret(input.secret),
        scopes: normalizeScopes(input.scopes), createdAt: now, expiresIn, expiresAt, revokedAt: null, lastUsedAt: null,
        uses: 0, maxUses: null, generation: 1, stack: null, stackAddress: null,
      };
      await this.keys.insert(tx, [{ key, hash }]);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.import", key.id, now, { name: key.name })]);
      return key;
    });
    return { key: toKeyView(key, now) };
  }

  async list(ctx: CallContext, accountId: string, q: ListKeysInput) {
    authorize(ctx.principal, { do: "account.read", account: accountId });
    await this.requireAccount(accountId);
    const now = this.clock();
    const limit = q.limit ?? 100;
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.keys.list(accountId, { status: q.status, type: q.type, limit: limit + 1, after }, now);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      keys: page.map((k) => toKeyView(k, now, this.usage.pending(k.id))),
      next_cursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  async get(ctx: CallContext, accountId: string, id: string) {
    authorize(ctx.principal, { do: "account.read", account: accountId });
    const key = await this.requireKey(accountId, id);
    const now = this.clock();
    await this.usage.flush();
    const fresh = (await this.keys.findById(accountId, id)) ?? key;
    const usage = await this.usage.listForKey(id, now - this.settings.usageRetentionDays * 24 * 3600 * 1000);
    return {
      key: toKeyView(fresh, now),
      usage: usage.map((u) => ({ minute: new Date(u.bucket).toISOString(), operation: u.operation, source: u.source, count: u.count })),
    };
  }

  async patch(ctx: CallContext, accountId: string, id: string, input: PatchKeyInput) {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const now = this.clock();
    const key = await this.store.write(async (tx) => {
      const account = await this.lockAccount(tx, accountId);
      const key = await this.keys.findById(accountId, id, tx, true);
      if (!key) throw new AppError(ErrorCode.NOT_FOUND, `Key ${id} not found`);
      if (statusOf(key, now) !== "active") throw new AppError(ErrorCode.KEY_INACTIVE, `Key ${id} is ${statusOf(key, now)} and cannot be changed.`);
      const changes: Parameters<KeyRepository["update"]>[2] = {};
      const renamed = input.name !== undefined && input.name !== key.name;
      if (renamed) changes.name = input.name;
      if (input.scopes !== undefined) changes.scopes = normalizeScopes(input.scopes);
      if (input.expires_at !== undefined || input.expires_in !== undefined) {
        if (key.type === "temp") {
          throw new AppError(ErrorCode.VALIDATION_FAILED, "Temp keys take no expiry arguments.", {
            errors: [{ field: input.expires_at !== undefined ? "/expires_at" : "/expires_in", message: "not allowed for temp keys" }],
          });
        }
        const e = resolveExpiry({ expires_at: input.expires_at, expires_in: input.expires_in }, account.maxExpiry, now);
        changes.expiresIn = e.expiresIn;
        changes.expiresAt = e.expiresAt;
      }
      authorize(ctx.principal, { do: "key.update", before: grantOf(key), after: grantOf({ ...key, ...changes }) });
      if (renamed) await this.checkNameFree(tx, account, input.name!, now, key.id);
      await this.keys.update(tx, id, changes);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.update", id, now, { fields: Object.keys(changes) })]);
      return { ...key, ...changes };
    });
    this.cache.invalidate([id]);
    return { key: toKeyView(key, now, this.usage.pending(id)) };
  }

  async revoke(ctx: CallContext, accountId: string, id: string): Promise<void> {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const now = this.clock();
    await this.store.write(async (tx) => {
      await this.lockAccount(tx, accountId);
      const key = await this.keys.findById(accountId, id, tx, true);
      if (!key) throw new AppError(ErrorCode.NOT_FOUND, `Key ${id} not found`);
      authorize(ctx.principal, { do: "key.revoke", key: grantOf(key) });
      if (key.revokedAt !== null) return;
      await this.keys.revoke(tx, [id], now);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.revoke", id, now, {})]);
    });
    this.cache.invalidate([id]);
  }

  async regenerate(ctx: CallContext, accountId: string, id: string, input: { grace_period?: string | number; secret?: string }) {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const graceMs = graceMillis(input.grace_period);
    const now = this.clock();
    const result = await this.store.write(async (tx) => {
      const account = await this.lockAccount(tx, accountId);
      const key = await this.keys.findById(accountId, id, tx, true);
      if (!key) throw new AppError(ErrorCode.NOT_FOUND, `Key ${id} not found`);
      if (key.type !== "live") {
        throw new AppError(ErrorCode.KEY_NOT_REGENERABLE, key.type === "temp" ? "Temp keys cannot be regenerated; create a new one." : "Legacy keys cannot be regenerated; create a live key to replace it.");
      }
      const status = statusOf(key, now);
      if (status !== "active") throw new AppError(ErrorCode.KEY_INACTIVE, `Key ${id} is ${status} and cannot be regenerated.`);
      const result = await this.regenerateIn(tx, account, key, now, graceMs, input.secret, (updated) =>
        authorize(ctx.principal, { do: "key.regenerate", before: grantOf(key), after: grantOf(updated) }),
      );
      await this.audit.append(tx, [this.event(ctx, accountId, "key.regenerate", id, now, { grace_period_seconds: graceMs / 1000, ...suppliedFlag(input.secret) })]);
      return result;
    }).catch(secretRace(input.secret));
    this.cache.invalidate([id]);
    return { key: toKeyView(result.key, now, this.usage.pending(id)), secret: result.secret, formats: secretFormats(result.secret, result.key.name) };
  }

  /**
   * Gives an active live key a new secret (generated, or supplied by the caller) inside `tx`: same id, usage
   * kept, generation + 1; the older secrets die at once or `graceMs` later. REST regenerate and a stack's
   * rotation both come here. `authorize` sees the key as it will be, before anything is written.
   */
  async regenerateIn(
    tx: EntityManager, account: Account, key: ApiKey, now: number, graceMs: number, secret: string | undefined, authorize: (updated: ApiKey) => void,
  ): Promise<{ key: ApiKey; secret: string }> {
    const made = this.buildKey(account, { name: key.name, type: "live", expires_in: key.expiresIn ?? undefined, expires_at: key.expiresIn ? undefined : key.expiresAt ? new Date(key.expiresAt).toISOString() : undefined, secret }, now);
    const updated: ApiKey = { ...key, masked: made.key.masked, generation: key.generation + 1, expiresAt: key.expiresIn ? made.key.expiresAt : key.expiresAt };
    authorize(updated);
    await this.refuseSecretInUse(tx, made, secret !== undefined);
    await this.keys.replaceSecret(tx, key.id, made.hash, now, now + graceMs);
    await this.keys.update(tx, key.id, { masked: updated.masked, generation: updated.generation, expiresAt: updated.expiresAt });
    return { key: updated, secret: made.secret };
  }

  /** Incident response: revokes every key of the account the caller may revoke, and says how many it left. */
  async revokeAll(ctx: CallContext, accountId: string) {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const now = this.clock();
    const { ids, left } = await this.store.write(async (tx) => {
      await this.lockAccount(tx, accountId);
      const standing = await this.keys.nonRevoked(tx, accountId);
      const ids = revocable(ctx.principal, standing.map((k) => ({ ...grantOf(k), id: k.id }))).map((k) => k.id);
      await this.keys.revoke(tx, ids, now);
      const left = standing.length - ids.length;
      await this.audit.append(tx, [this.event(ctx, accountId, "key.revoke_all", null, now, { revoked: ids.length, left })]);
      return { ids, left };
    });
    this.cache.invalidate(ids);
    return { revoked: ids.length, left };
  }

  private async requireAccount(accountId: string): Promise<Account> {
    const account = await this.accounts.find(accountId);
    if (!account) throw new AppError(ErrorCode.NOT_FOUND, `Account ${accountId} not found`);
    return account;
  }

  private async requireKey(accountId: string, id: string): Promise<ApiKey> {
    const key = await this.keys.findById(accountId, id);
    if (!key) throw new AppError(ErrorCode.NOT_FOUND, `Key ${id} not found`);
    return key;
  }

  private event(ctx: CallContext, accountId: string, action: string, target: string | null, at: number, details: Record<string, unknown>) {
    return { accountId, at, actor: actorOf(ctx.principal), action, target, source: ctx.source, details };
  }
}

function secretInUse(): AppError {
  return new AppError(ErrorCode.SECRET_IN_USE, "This secret is already in use; supply a freshly generated one.");
}

/** Two writers racing with the same supplied secret: the unique hash makes the later one fail; it gets the same 409. */
function secretRace(supplied: string | undefined) {
  return (err: unknown): never => {
    if (supplied !== undefined && isDuplicateEntry(err)) throw secretInUse();
    throw err;
  };
}

const suppliedFlag = (secret: string | undefined) => (secret === undefined ? {} : { secret_supplied: true });

function graceMillis(g: string | number | undefined): number {
  if (g === undefined) return 0;
  const ms = typeof g === "number" ? g * 1000 : parseDuration(g);
  if (ms === null || !Number.isFinite(ms) || ms < 0 || ms > MAX_GRACE_MS) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, "grace_period must be between 0 and 24h (e.g. 3600, \"15m\", \"24h\").", {
      errors: [{ field: "/grace_period", message: "must be a duration of at most 24h" }],
    });
  }
  return ms;
}

export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const m = /^(\d{1,16}):(key_[0-9A-Za-z]{24})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new AppError(ErrorCode.VALIDATION_FAILED, "Invalid cursor.", { errors: [{ field: "/cursor", message: "is not a cursor this server issued" }] });
  return { createdAt: Number(m[1]), id: m[2] };
}
