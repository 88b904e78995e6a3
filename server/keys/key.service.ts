import type { KeyList, KeyWithSecret, KeyWithUsage, RevokeAllResult } from "../../client/src/types";
import type { EntityManager } from "typeorm";
import type { Account } from "../accounts/account.entity";
import type { AccountRepository } from "../accounts/account.repository";
import type { AuditRepository } from "../audit/audit.repository";
import { revocable } from "../../core/authorization";
import { MAX_GRACE_MS, parseDuration } from "../../core/keys/expiry";
import type { KeyStatus, KeyType } from "../../core/keys/key";
import { actorOf, authorize, grantOf, type Principal } from "../auth/principal";
import type { Settings } from "../config";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import { isDuplicateEntry } from "../store/duplicate-entry";
import type { Store } from "../store/store";
import type { UsageRecorder } from "../usage/usage.recorder";
import type { KeyCache } from "./key.cache";
import type { ApiKey } from "./key.entity";
import { secretInUse, type CreateKeyInput, type ImportKeyInput, type KeyChanges, type KeyOperations } from "./key.operations";
import type { KeyRepository } from "./key.repository";
import { secretFormats, toKeyView } from "./key.view";

export type { CreateKeyInput, ImportKeyInput, NewKey } from "./key.operations";
export type PatchKeyInput = KeyChanges;

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

/**
 * Keys made and changed by hand (REST, CLI, console): each request locks its account, runs one key
 * operation (key.operations.ts, shared with stack apply) and the one limit and name check, and records
 * who did it.
 */
export class KeyService {
  constructor(
    private readonly store: Store,
    private readonly keys: KeyRepository,
    private readonly ops: KeyOperations,
    private readonly accounts: AccountRepository,
    private readonly audit: AuditRepository,
    private readonly usage: UsageRecorder,
    private readonly cache: KeyCache,
    private readonly settings: Settings,
    private readonly clock: () => number,
  ) {}

  private async lockAccount(tx: EntityManager, accountId: string): Promise<Account> {
    const account = await this.accounts.lockForKeyChange(tx, accountId);
    if (!account) throw new AppError(ErrorCode.NOT_FOUND, `Account ${accountId} not found`);
    return account;
  }

  private async lockKey(tx: EntityManager, accountId: string, id: string): Promise<ApiKey> {
    const key = await this.keys.findById(accountId, id, tx, true);
    if (!key) throw new AppError(ErrorCode.NOT_FOUND, `Key ${id} not found`);
    return key;
  }

  async create(ctx: CallContext, accountId: string, input: CreateKeyInput): Promise<KeyWithSecret> {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const now = this.clock();
    const made = await this.store.write(async (tx) => {
      const account = await this.lockAccount(tx, accountId);
      const made = await this.ops.prepareCreate(tx, ctx.principal, account, input, now);
      await this.ops.checkSteps(tx, account, { limits: [{ op: "take", type: made.key.type }], names: [{ op: "claim", keyId: null, name: made.key.name }] }, now);
      await this.ops.insert(tx, [made]);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.create", made.key.id, now, { name: made.key.name, type: made.key.type, ...suppliedFlag(input.secret) })]);
      return made;
    }).catch(secretRace(input.secret));
    return { key: toKeyView(made.key, now), secret: made.secret, formats: secretFormats(made.secret, made.key.name) };
  }

  async importLegacy(ctx: CallContext, accountId: string, input: ImportKeyInput) {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const now = this.clock();
    const key = await this.store.write(async (tx) => {
      const account = await this.lockAccount(tx, accountId);
      const made = await this.ops.prepareImport(tx, ctx.principal, account, input, now);
      await this.ops.checkSteps(tx, account, { limits: [{ op: "take", type: "legacy" }], names: [{ op: "claim", keyId: null, name: made.key.name }] }, now);
      await this.ops.insert(tx, [made]);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.import", made.key.id, now, { name: made.key.name })]);
      return made.key;
    });
    return { key: toKeyView(key, now) };
  }

  async list(ctx: CallContext, accountId: string, q: ListKeysInput): Promise<KeyList> {
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

  async get(ctx: CallContext, accountId: string, id: string): Promise<KeyWithUsage> {
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
      const before = await this.lockKey(tx, accountId, id);
      const update = this.ops.prepareUpdate(ctx.principal, account, before, input, now);
      if (update.key.name !== before.name) {
        await this.ops.checkSteps(tx, account, { limits: [], names: [{ op: "release", keyId: id, name: before.name }, { op: "claim", keyId: id, name: update.key.name }] }, now);
      }
      const key = await this.ops.writeUpdate(tx, update);
      const fields = (["name", "scopes", "expires_in", "expires_at"] as const).filter((f) => input[f] !== undefined);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.update", id, now, { fields })]);
      return key;
    });
    this.cache.invalidate([id]);
    return { key: toKeyView(key, now, this.usage.pending(id)) };
  }

  async revoke(ctx: CallContext, accountId: string, id: string): Promise<void> {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const now = this.clock();
    await this.store.write(async (tx) => {
      await this.lockAccount(tx, accountId);
      const key = await this.lockKey(tx, accountId, id);
      if ((await this.ops.revoke(tx, ctx.principal, [key], now)).length) await this.audit.append(tx, [this.event(ctx, accountId, "key.revoke", id, now, {})]);
    });
    this.cache.invalidate([id]);
  }

  async regenerate(ctx: CallContext, accountId: string, id: string, input: { grace_period?: string | number; secret?: string }): Promise<KeyWithSecret> {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const graceMs = graceMillis(input.grace_period);
    const now = this.clock();
    const result = await this.store.write(async (tx) => {
      const account = await this.lockAccount(tx, accountId);
      const key = await this.lockKey(tx, accountId, id);
      const result = await this.ops.regenerate(tx, ctx.principal, account, key, now, graceMs, input.secret);
      await this.audit.append(tx, [this.event(ctx, accountId, "key.regenerate", id, now, { grace_period_seconds: graceMs / 1000, ...suppliedFlag(input.secret) })]);
      return result;
    }).catch(secretRace(input.secret));
    this.cache.invalidate([id]);
    return { key: toKeyView(result.key, now, this.usage.pending(id)), secret: result.secret, formats: secretFormats(result.secret, result.key.name) };
  }

  /** Incident response: revokes every key of the account the caller may revoke, and says how many it left. */
  async revokeAll(ctx: CallContext, accountId: string): Promise<RevokeAllResult> {
    authorize(ctx.principal, { do: "account.manage", account: accountId });
    const now = this.clock();
    const { ids, left } = await this.store.write(async (tx) => {
      await this.lockAccount(tx, accountId);
      const standing = await this.keys.nonRevoked(tx, accountId);
      const mine = new Set(revocable(ctx.principal, standing.map((k) => ({ ...grantOf(k), id: k.id }))).map((k) => k.id));
      const ids = await this.ops.revoke(tx, ctx.principal, standing.filter((k) => mine.has(k.id)), now);
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
