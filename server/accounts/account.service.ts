import type { AccountView, AuditLog } from "../../client/src/types";
import type { AuditRepository } from "../audit/audit.repository";
import { actorOf, authorize } from "../auth/principal";
import type { Settings } from "../config";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import type { KeyRepository } from "../keys/key.repository";
import type { CallContext } from "../keys/key.service";
import type { Store } from "../store/store";
import type { Account } from "./account.entity";
import type { AccountRepository } from "./account.repository";

export interface CreateAccountInput {
  id: string;
  name?: string;
  key_limit?: number;
  max_expiry?: string | null;
}

export interface PatchAccountInput {
  key_limit?: number;
  max_expiry?: string | null;
  name?: string | null;
}

export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountRepository,
    private readonly keys: KeyRepository,
    private readonly audit: AuditRepository,
    private readonly settings: Settings,
    private readonly clock: () => number,
  ) {}

  private async view(a: Account, now: number): Promise<AccountView> {
    const counts = await this.keys.countActive(a.id, now);
    return {
      id: a.id,
      name: a.name,
      key_limit: a.keyLimit,
      max_expiry: a.maxExpiry,
      temp_key_cap: this.settings.tempKeyCap,
      active_keys: counts.keys,
      active_temp_keys: counts.temp,
      created_at: new Date(a.createdAt).toISOString(),
    };
  }

  async create(ctx: CallContext, input: CreateAccountInput) {
    authorize(ctx.principal, { do: "account.admin" });
    const now = this.clock();
    const account: Account = {
      id: input.id,
      name: input.name ?? null,
      keyLimit: input.key_limit ?? this.settings.defaultKeyLimit,
      maxExpiry: input.max_expiry ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.write(async (tx) => {
      if (!(await this.accounts.insert(tx, account))) throw new AppError(ErrorCode.ACCOUNT_EXISTS, `Account ${input.id} already exists.`);
      await this.audit.append(tx, [{ accountId: account.id, at: now, actor: actorOf(ctx.principal), action: "account.create", target: account.id, source: ctx.source, details: { key_limit: account.keyLimit, max_expiry: account.maxExpiry } }]);
    });
    return { account: await this.view(account, now) };
  }

  async get(ctx: CallContext, id: string) {
    authorize(ctx.principal, { do: "account.read", account: id });
    const a = await this.accounts.find(id);
    if (!a) throw new AppError(ErrorCode.NOT_FOUND, `Account ${id} not found`);
    return { account: await this.view(a, this.clock()) };
  }

  async patch(ctx: CallContext, id: string, input: PatchAccountInput) {
    authorize(ctx.principal, { do: "account.read", account: id });
    authorize(ctx.principal, { do: "account.admin" });
    const now = this.clock();
    const updated = await this.store.write(async (tx) => {
      const a = await this.accounts.lockForKeyChange(tx, id);
      if (!a) throw new AppError(ErrorCode.NOT_FOUND, `Account ${id} not found`);
      await this.accounts.update(tx, id, { keyLimit: input.key_limit, maxExpiry: input.max_expiry, name: input.name }, now);
      await this.audit.append(tx, [{ accountId: id, at: now, actor: actorOf(ctx.principal), action: "account.update", target: id, source: ctx.source, details: { ...input } }]);
      return {
        ...a,
        keyLimit: input.key_limit ?? a.keyLimit,
        maxExpiry: input.max_expiry !== undefined ? input.max_expiry : a.maxExpiry,
        name: input.name !== undefined ? input.name : a.name,
        updatedAt: now,
      };
    });
    return { account: await this.view(updated, now) };
  }

  async auditLog(ctx: CallContext, id: string, q: { limit?: number; before?: number }): Promise<AuditLog> {
    authorize(ctx.principal, { do: "account.read", account: id });
    if (!(await this.accounts.find(id))) throw new AppError(ErrorCode.NOT_FOUND, `Account ${id} not found`);
    const limit = q.limit ?? 100;
    const events = await this.audit.list(id, limit, q.before);
    return {
      // Events read back always have their id (only a new one, not yet inserted, lacks it).
      events: events.map((e) => ({ id: e.id!, at: new Date(e.at).toISOString(), actor: e.actor, action: e.action, target: e.target, source: e.source, details: e.details })),
      next_before: events.length === limit ? events[events.length - 1].id! : null,
    };
  }
}
