import type pg from 'pg';
import type { Migration } from '../../infra/postgres/migrations.ts';
import { DEFAULT_RULES, ruleOrder, type CleansingRule } from './rules.ts';

/** The cleanser's Postgres schema (tests use their own): its rules, the duplicate keys and the balances. */
export const CLEANSER_SCHEMA = 'transactions_cleanser';

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

export const CLEANSER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'rules, duplicate keys, account balances',
    sql: `create table rules (
        rule_id uuid primary key default gen_random_uuid(),
        organization_id text,
        kind text not null check (kind in ('alias', 'category')),
        pattern text not null check (pattern <> ''),
        value text not null check (value <> ''),
        priority integer not null default 100,
        updated_at timestamptz not null default now(),
        unique nulls not distinct (organization_id, kind, pattern));
      create table dedupe_keys (
        organization_id text not null,
        dedupe_key text not null,
        transaction_id uuid not null,
        primary key (organization_id, dedupe_key));
      create table accounts (
        organization_id text not null,
        account_id text not null,
        currency text not null,
        balance_minor bigint not null,
        primary key (organization_id, account_id));
      insert into rules (organization_id, kind, pattern, value) values
        ${DEFAULT_RULES.map((r) => `(null, ${quote(r.kind)}, ${quote(r.pattern)}, ${quote(r.value)})`).join(',\n        ')};`,
  },
];

export function migrationOwner(schema: string): string {
  return `transactions-cleanser:${schema}`;
}

type Db = Pick<pg.PoolClient, 'query'>;

/**
 * The rules for these organizations (their own and the defaults), in the order they apply.
 * Read in each batch's transaction: a rule changed through the API applies from the next batch.
 */
export async function rulesFor(db: Db, organizationIds: readonly string[]): Promise<CleansingRule[]> {
  const { rows } = await db.query<{
    kind: CleansingRule['kind'];
    pattern: string;
    value: string;
    priority: number;
    organization_id: string | null;
  }>(
    `select kind, pattern, value, priority, organization_id from rules
     where organization_id is null or organization_id = any($1::text[])`,
    [organizationIds],
  );
  return rows
    .map((r) => ({
      kind: r.kind,
      pattern: r.pattern,
      value: r.value,
      priority: r.priority,
      organizationId: r.organization_id,
    }))
    .sort(ruleOrder);
}

export interface AccountState {
  currency: string;
  balanceMinor: number;
}

/** `org\u0000account` -> the account's currency and balance, locked for this batch. */
export async function accountsFor(
  db: Db,
  keys: readonly (readonly [string, string])[],
): Promise<Map<string, AccountState>> {
  const { rows } = await db.query<{
    organization_id: string;
    account_id: string;
    currency: string;
    balance_minor: string;
  }>(
    `select a.organization_id, a.account_id, a.currency, a.balance_minor from accounts a
     join unnest($1::text[], $2::text[]) as k(organization_id, account_id) using (organization_id, account_id)
     for update of a`,
    [keys.map((k) => k[0]), keys.map((k) => k[1])],
  );
  return new Map(
    rows.map((r) => [
      accountKey(r.organization_id, r.account_id),
      { currency: r.currency, balanceMinor: Number(r.balance_minor) },
    ]),
  );
}

export function accountKey(organizationId: string, accountId: string): string {
  return `${organizationId}\u0000${accountId}`;
}

/** Which of these keys were seen before (`org\u0000key`). */
export async function knownKeys(db: Db, keys: readonly (readonly [string, string])[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ organization_id: string; dedupe_key: string }>(
    `select d.organization_id, d.dedupe_key from dedupe_keys d
     join unnest($1::text[], $2::text[]) as k(organization_id, dedupe_key) using (organization_id, dedupe_key)`,
    [keys.map((k) => k[0]), keys.map((k) => k[1])],
  );
  return new Set(rows.map((r) => accountKey(r.organization_id, r.dedupe_key)));
}

export async function saveKeys(
  db: Db,
  keys: readonly { organizationId: string; dedupeKey: string; transactionId: string }[],
): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `insert into dedupe_keys (organization_id, dedupe_key, transaction_id)
     select * from unnest($1::text[], $2::text[], $3::uuid[]) on conflict do nothing`,
    [keys.map((k) => k.organizationId), keys.map((k) => k.dedupeKey), keys.map((k) => k.transactionId)],
  );
}

export async function saveAccounts(
  db: Db,
  accounts: readonly { organizationId: string; accountId: string; currency: string; balanceMinor: number }[],
): Promise<void> {
  if (accounts.length === 0) return;
  await db.query(
    `insert into accounts (organization_id, account_id, currency, balance_minor)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
     on conflict (organization_id, account_id)
       do update set currency = excluded.currency, balance_minor = excluded.balance_minor`,
    [
      accounts.map((a) => a.organizationId),
      accounts.map((a) => a.accountId),
      accounts.map((a) => a.currency),
      accounts.map((a) => a.balanceMinor),
    ],
  );
}
