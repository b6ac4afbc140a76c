import { defineProjection } from '../projection.ts';
import type { CopyValue, Statement } from '../statement.ts';

/**
 * The transaction warehouse (seed 004): every cleansed transaction of every account, and the
 * accounts with their balance and nickname.
 *
 * Downstream of the cleanser, which publishes at least once with derived ids: a transaction's
 * copy has the same transaction id and is dropped by the primary key. An account's balance and
 * nickname events share its partition, so each column keeps the one with the highest offset
 * (`*_seq`): a replay, however the topic is cut into batches, writes identical rows.
 */
const TRANSACTION_COLUMNS = [
  'transaction_id',
  'organization_id',
  'account_id',
  'amount_minor',
  'currency',
  'posted_on',
  'description',
  'merchant',
  'category',
  'external_transaction_id',
  'reference',
  'source_file',
  'line_number',
  'source_event_id',
  'added_at',
];
const TRANSACTION_TYPES = [
  'uuid',
  'text',
  'text',
  'bigint',
  'text',
  'date',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'integer',
  'uuid',
  'timestamptz',
];

export const transactionsWarehouse = defineProjection({
  name: 'transactions_warehouse',
  handles: ['TransactionCleansed', 'AccountBalanceUpdated', 'AccountNicknameUpdated'],
  tables: ['transactions', 'accounts'],
  migrations: [
    {
      version: 1,
      name: 'transactions and accounts',
      sql: `create table transactions (
        transaction_id uuid primary key,
        organization_id text not null,
        account_id text not null,
        amount_minor bigint not null,
        currency text not null,
        posted_on date not null,
        description text not null,
        merchant text,
        category text,
        external_transaction_id text,
        reference text,
        source_file text,
        line_number integer,
        source_event_id uuid not null,
        added_at timestamptz not null);
      create index transactions_by_account
        on transactions (organization_id, account_id, posted_on desc, transaction_id desc);
      create table accounts (
        organization_id text not null,
        account_id text not null,
        currency text,
        balance_minor bigint,
        available_balance_minor bigint,
        balance_as_of timestamptz,
        balance_seq bigint,
        nickname text,
        nickname_seq bigint,
        primary key (organization_id, account_id));`,
    },
  ],
  project(events) {
    const statements: Statement[] = [];
    const transactions: CopyValue[][] = [];
    for (const { event } of events) {
      if (event.type !== 'TransactionCleansed') continue;
      const { metadata, payload } = event;
      transactions.push([
        payload.transactionId,
        metadata.organizationId,
        payload.accountId,
        payload.amountMinor,
        payload.currency,
        payload.postedOn,
        payload.description,
        payload.merchant,
        payload.category,
        payload.externalTransactionId,
        payload.reference,
        payload.sourceFile,
        payload.lineNumber,
        payload.sourceEventId,
        metadata.occurredAt,
      ]);
    }
    if (transactions.length > 0)
      statements.push({
        sql: `insert into transactions (${TRANSACTION_COLUMNS.join(', ')})
          select * from unnest(${TRANSACTION_TYPES.map((type, n) => `$${n + 1}::${type}[]`).join(', ')})
          on conflict (transaction_id) do nothing`,
        // Built only when the SQL runs (a small batch, or COPY's fallback): a batch that goes by
        // COPY, nearly every one, never needs these fifteen column arrays.
        get params() {
          return TRANSACTION_COLUMNS.map((_, column) => transactions.map((row) => row[column]));
        },
        // A cleanser's redelivered copy is rare: the batch goes by COPY, and by the SQL above when one is there.
        copy: { table: 'transactions', columns: TRANSACTION_COLUMNS, rows: transactions },
      });
    // The last of each account's events in the batch: offsets grow within the one partition.
    const balances = new Map<string, Record<string, unknown>>();
    const nicknames = new Map<string, Record<string, unknown>>();
    for (const { event, offset } of events) {
      // Most of a batch is transactions: the account key is built only for the events that need it.
      if (event.type === 'TransactionCleansed') continue;
      const key = JSON.stringify([event.metadata.organizationId, event.payload.accountId]);
      const account = { organization_id: event.metadata.organizationId, account_id: event.payload.accountId };
      if (event.type === 'AccountBalanceUpdated')
        balances.set(key, {
          ...account,
          currency: event.payload.currency,
          balance_minor: event.payload.balanceMinor,
          available_balance_minor: event.payload.availableBalanceMinor,
          balance_as_of: event.payload.asOf,
          balance_seq: offset,
        });
      if (event.type === 'AccountNicknameUpdated')
        // An empty nickname clears it.
        nicknames.set(key, { ...account, nickname: event.payload.nickname || null, nickname_seq: offset });
    }
    if (balances.size > 0)
      statements.push({
        sql: `insert into accounts (organization_id, account_id, currency, balance_minor, available_balance_minor,
            balance_as_of, balance_seq)
          select organization_id, account_id, currency, balance_minor, available_balance_minor, balance_as_of, balance_seq
          from jsonb_populate_recordset(null::accounts, $1::jsonb)
          on conflict (organization_id, account_id) do update set currency = excluded.currency,
            balance_minor = excluded.balance_minor, available_balance_minor = excluded.available_balance_minor,
            balance_as_of = excluded.balance_as_of, balance_seq = excluded.balance_seq
          where accounts.balance_seq is null or accounts.balance_seq < excluded.balance_seq`,
        params: [JSON.stringify([...balances.values()])],
      });
    if (nicknames.size > 0)
      statements.push({
        sql: `insert into accounts (organization_id, account_id, nickname, nickname_seq)
          select organization_id, account_id, nickname, nickname_seq
          from jsonb_populate_recordset(null::accounts, $1::jsonb)
          on conflict (organization_id, account_id) do update set nickname = excluded.nickname,
            nickname_seq = excluded.nickname_seq
          where accounts.nickname_seq is null or accounts.nickname_seq < excluded.nickname_seq`,
        params: [JSON.stringify([...nicknames.values()])],
      });
    return statements;
  },
});
