import { AccountEntity } from "../accounts/account.entity";
import { AuditEventEntity } from "../audit/audit.entity";
import { AuthFailureEntity } from "../auth/auth-failure.entity";
import { ApiKeyEntity, KeySecretEntity } from "../keys/key.entity";
import { UsageBucketEntity } from "../usage/usage.entity";
import { Initial1700000000001 } from "./migrations/1700000000001-initial";
import { Stacks1700000000002 } from "./migrations/1700000000002-stacks";
import { StackOwners1700000000003 } from "./migrations/1700000000003-stack-owners";
import { AccountVersion1700000000004 } from "./migrations/1700000000004-account-version";

/** Every entity and migration, in one place so the data source and tests agree. */
export const ENTITIES = [AccountEntity, ApiKeyEntity, KeySecretEntity, UsageBucketEntity, AuditEventEntity, AuthFailureEntity];
export const MIGRATIONS = [Initial1700000000001, Stacks1700000000002, StackOwners1700000000003, AccountVersion1700000000004];
