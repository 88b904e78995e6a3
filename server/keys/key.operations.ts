import type { EntityManager } from "typeorm";
import type { Account } from "../accounts/account.entity";
import { stackMayHold } from "../../core/authorization";
import { parseStackKey } from "../../core/stack-ref";
import { checkLimits, type LimitStep } from "../../core/keys/limits";
import { checkNames, type NameStep } from "../../core/keys/names";
import { statusOf, type KeyType, type SecretType } from "../../core/keys/key";
import { generateKeyId, generateSecret, isLegacySecret, maskSecret, suppliedSecretProblem } from "../../core/keys/secret-format";
import { checkKeyRequest, type KeyRequest } from "../../core/keys/spec";
import { normalizeScopes } from "../../core/keys/scopes";
import { authorize, grantOf, type Principal } from "../auth/principal";
import type { Settings } from "../config";
import { AppError, refuse, violationError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { ApiKey } from "./key.entity";
import { hashSecret } from "./key-secret";
import type { KeyRepository } from "./key.repository";

export interface CreateKeyInput {
  name: string;
  type?: KeyType;
  expires_in?: string;
  expires_at?: string;
  scopes?: string[];
  /** Bring your own secret: format, brand, type and checksum checked; stored as its hash only. */
  secret?: string;
}

export interface ImportKeyInput {
  name: string;
  secret: string;
  scopes?: string[];
  expires_in?: string;
  expires_at?: string;
}

export interface KeyChanges {
  name?: string;
  scopes?: string[];
  expires_in?: string;
  expires_at?: string;
}

/** A key about to be inserted, with its secret (handed out once) and the hash that is stored. */
export interface NewKey {
  key: ApiKey;
  secret: string;
  hash: string;
}

/** A key change checked and authorized, not yet written. */
export interface PreparedUpdate {
  before: ApiKey;
  key: ApiKey;
  changes: Parameters<KeyRepository["update"]>[2];
}

/** The stack a key belongs to and its address there. */
export interface StackPlace {
  name: string;
  address: string;
}

/**
 * The one way keys are made, changed, regenerated and revoked, inside a caller's transaction: REST
 * (`KeyService`) and a stack's apply (`apply.executor`) both call these. Each operation authorizes its
 * principal with the one decision (core/authorization) and checks the key rules (core/keys) before it
 * writes; limits and name uniqueness are checked per account over all of a caller's steps at once
 * (`checkSteps`), against the rows as they are under the account lock.
 */
export class KeyOperations {
  constructor(
    private readonly keys: KeyRepository,
    private readonly settings: Settings,
  ) {}

  /** A new key row (not stored yet) made to the request, or the first rule it breaks (thrown). */
  build(account: Account, input: CreateKeyInput, now: number, stack: StackPlace | null = null, id: string = generateKeyId()): NewKey {
    const type = input.type ?? "live";
    const req: KeyRequest = { name: input.name, type, scopes: input.scopes ?? [], expires_in: input.expires_in, expires_at: input.expires_at };
    const { violations, expiry } = checkKeyRequest(req, { creating: true, maxExpiry: account.maxExpiry, terms: this.settings, now });
    refuse(violations);
    const secret = input.secret === undefined ? generateSecret(this.settings.brand, type as SecretType) : this.supplied(input.secret, type as SecretType);
    return {
      secret,
      hash: hashSecret(secret),
      key: {
        id,
        accountId: account.id,
        name: input.name,
        type,
        masked: maskSecret(secret),
        scopes: normalizeScopes(input.scopes),
        createdAt: now,
        expiresIn: type === "temp" ? null : expiry!.expiresIn,
        expiresAt: type === "temp" ? now + this.settings.tempKeyTtlMs : expiry!.expiresAt,
        revokedAt: null,
        lastUsedAt: null,
        uses: 0,
        maxUses: type === "temp" ? this.settings.tempKeyMaxUses : null,
        generation: 1,
        stack: stack?.name ?? null,
        stackAddress: stack?.address ?? null,
      },
    };
  }

  /** A key `p` may create, built and authorized; the caller inserts it (`insert`) after `checkSteps`. */
  async prepareCreate(tx: EntityManager, p: Principal, account: Account, input: CreateKeyInput, now: number, stack: StackPlace | null = null, id?: string): Promise<NewKey> {
    const made = this.build(account, input, now, stack, id);
    authorize(p, { do: "key.create", key: grantOf(made.key) });
    if (input.secret !== undefined) await this.refuseSecretInUse(tx, made.hash);
    return made;
  }

  /** A legacy (UUID) key `p` may import, built and authorized; the caller inserts it. */
  async prepareImport(tx: EntityManager, p: Principal, account: Account, input: ImportKeyInput, now: number): Promise<NewKey> {
    if (!isLegacySecret(input.secret)) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "Only legacy UUID keys can be imported.", {
        errors: [{ field: "/secret", message: "must be a UUID such as dc746828-6bab-43d7-b01d-cc74eeb9759b" }],
      });
    }
    const req: KeyRequest = { name: input.name, type: "legacy", scopes: input.scopes ?? [], expires_in: input.expires_in, expires_at: input.expires_at };
    const { violations, expiry } = checkKeyRequest(req, { creating: true, importing: true, maxExpiry: account.maxExpiry, terms: this.settings, now });
    refuse(violations);
    const key: ApiKey = {
      id: generateKeyId(), accountId: account.id, name: input.name, type: "legacy", masked: maskSecret(input.secret),
      scopes: normalizeScopes(input.scopes), createdAt: now, expiresIn: expiry!.expiresIn, expiresAt: expiry!.expiresAt, revokedAt: null,
      lastUsedAt: null, uses: 0, maxUses: null, generation: 1, stack: null, stackAddress: null,
    };
    authorize(p, { do: "key.import", key: grantOf(key) });
    const hash = hashSecret(input.secret);
    if (await this.keys.secretHashExists(tx, hash)) throw new AppError(ErrorCode.KEY_EXISTS, "This key has already been imported.");
    return { key, hash, secret: "" };
  }

  async insert(tx: EntityManager, made: NewKey[]): Promise<void> {
    await this.keys.insert(tx, made);
  }

  /**
   * A change of an active key `p` dominates into one it still dominates: checked and authorized,
   * nothing written yet (the caller checks names first when it renames; `writeUpdate` writes).
   */
  prepareUpdate(p: Principal, account: Account, key: ApiKey, input: KeyChanges, now: number): PreparedUpdate {
    const status = statusOf(key, now);
    if (status !== "active") throw new AppError(ErrorCode.KEY_INACTIVE, `Key ${key.id} is ${status} and cannot be changed.`);
    const req: KeyRequest = { type: key.type, name: input.name, scopes: input.scopes, expires_in: input.expires_in, expires_at: input.expires_at };
    const { violations, expiry } = checkKeyRequest(req, { creating: false, maxExpiry: account.maxExpiry, terms: this.settings, now });
    refuse(violations);
    const changes: Parameters<KeyRepository["update"]>[2] = {};
    if (input.name !== undefined && input.name !== key.name) changes.name = input.name;
    if (input.scopes !== undefined) changes.scopes = normalizeScopes(input.scopes);
    if (expiry) {
      changes.expiresIn = expiry.expiresIn;
      changes.expiresAt = expiry.expiresAt;
    }
    const updated = { ...key, ...changes };
    authorize(p, { do: "key.update", before: grantOf(key), after: grantOf(updated) });
    return { before: key, key: updated, changes };
  }

  async writeUpdate(tx: EntityManager, u: PreparedUpdate): Promise<ApiKey> {
    await this.keys.update(tx, u.key.id, u.changes);
    return u.key;
  }

  /**
   * Gives an active live key `p` dominates a new secret (generated, or supplied): same id, usage kept,
   * generation + 1; the older secrets die at once or `graceMs` later.
   */
  async regenerate(tx: EntityManager, p: Principal, account: Account, key: ApiKey, now: number, graceMs: number, secret?: string): Promise<{ key: ApiKey; secret: string }> {
    if (key.type !== "live") {
      throw new AppError(ErrorCode.KEY_NOT_REGENERABLE, key.type === "temp" ? "Temp keys cannot be regenerated; create a new one." : "Legacy keys cannot be regenerated; create a live key to replace it.");
    }
    const status = statusOf(key, now);
    if (status !== "active") throw new AppError(ErrorCode.KEY_INACTIVE, `Key ${key.id} is ${status} and cannot be regenerated.`);
    // The same expiry, counted again from now when the key was given a lifetime (expires_in).
    const made = this.build(account, { name: key.name, type: "live", ...(key.expiresIn ? { expires_in: key.expiresIn } : {}), secret }, now);
    const updated: ApiKey = { ...key, masked: made.key.masked, generation: key.generation + 1, expiresAt: key.expiresIn ? made.key.expiresAt : key.expiresAt };
    authorize(p, { do: "key.regenerate", before: grantOf(key), after: grantOf(updated) });
    if (secret !== undefined) await this.refuseSecretInUse(tx, made.hash);
    await this.keys.replaceSecret(tx, key.id, made.hash, now, now + graceMs);
    await this.keys.update(tx, key.id, { masked: updated.masked, generation: updated.generation, expiresAt: updated.expiresAt });
    return { key: updated, secret: made.secret };
  }

  /** Revokes keys `p` dominates (already revoked ones are left as they are). */
  async revoke(tx: EntityManager, p: Principal, keys: ApiKey[], now: number): Promise<string[]> {
    for (const k of keys) authorize(p, { do: "key.revoke", key: grantOf(k) });
    const ids = keys.filter((k) => k.revokedAt === null).map((k) => k.id);
    await this.keys.revoke(tx, ids, now);
    return ids;
  }

  /**
   * Moves a key into a stack (import), to another address of it (moved) or out of it (removed): who
   * controls a key changes, so only a principal that dominates it may, and never a temp key into a stack.
   */
  async place(tx: EntityManager, p: Principal, key: ApiKey, place: StackPlace | null, adopting: boolean): Promise<ApiKey> {
    authorize(p, adopting ? { do: "key.import", key: grantOf(key) } : { do: "key.update", before: grantOf(key), after: grantOf(key) });
    // An account's stack holds only that account's keys (a plan could not have read another's).
    if (place !== null && !stackMayHold(parseStackKey(place.name).owner, key.accountId)) throw new AppError(ErrorCode.NOT_FOUND, `Key ${key.id} not found`);
    await this.keys.update(tx, key.id, { stack: place?.name ?? null, stackAddress: place?.address ?? null });
    return { ...key, stack: place?.name ?? null, stackAddress: place?.address ?? null };
  }

  /**
   * The one limit and name check of one account over a caller's steps (core/keys), against the counts
   * and names as they are inside this transaction, under the account lock. Throws the first refusal.
   */
  async checkSteps(tx: EntityManager, account: Account, steps: { limits: readonly LimitStep[]; names: readonly NameStep[] }, now: number): Promise<void> {
    // A name conflict is reported before the limit: it says more about the request.
    const claimed = [...new Set(steps.names.filter((s) => s.op === "claim").map((s) => s.name))];
    if (claimed.length) {
      // Only the names the steps claim can collide: their holders are all the check needs.
      const holders = await this.keys.activeHolders(tx, account.id, claimed, now);
      const refused = checkNames(account.id, holders, steps.names);
      if (refused.length) throw violationError(refused[0].violation);
    }
    if (steps.limits.some((s) => s.op === "take")) {
      const counts = await this.keys.countActive(account.id, now, tx);
      const refused = checkLimits({ account: account.id, keyLimit: account.keyLimit, tempKeyCap: this.settings.tempKeyCap }, counts, steps.limits);
      if (refused.length) throw violationError(refused[0].violation);
    }
  }

  /** A caller-supplied secret, if it can be a `type` key's secret of this server (the value is never echoed). */
  private supplied(secret: string, type: SecretType): string {
    const problem = suppliedSecretProblem(secret, this.settings.brand, type);
    if (problem) throw new AppError(ErrorCode.VALIDATION_FAILED, `The supplied secret ${problem}.`, { errors: [{ field: "/secret", message: problem }] });
    return secret;
  }

  /** A supplied secret must be new: one that any key holds or held (still stored) is refused, without saying which key. */
  private async refuseSecretInUse(tx: EntityManager, hash: string): Promise<void> {
    if (await this.keys.secretHashExists(tx, hash)) throw secretInUse();
  }
}

export function secretInUse(): AppError {
  return new AppError(ErrorCode.SECRET_IN_USE, "This secret is already in use; supply a freshly generated one.");
}
