import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Migration } from '../../infra/postgres/migrations.ts';
import type { Publisher } from '../../producers/publisher.ts';
import { qualified, type Projection } from '../../projections/projection.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import type { AccountTransactionsAdded, TributaryEvent } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import type { CheckpointedProcessor } from '../runtime/processor.ts';

export const LOADER_SCHEMA = 'transactions_loader';
const LISTED = 100;

export const LOADER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'announced transactions',
    sql: `create table announced (
        organization_id text not null,
        account_id text not null,
        transaction_id uuid not null,
        primary key (organization_id, account_id, transaction_id));`,
  },
  {
    version: 2,
    name: 'notices handled',
    sql: `create table notices (event_id uuid primary key, handled_at timestamptz not null default now());`,
  },
];

export interface LoaderOptions {
  readonly name?: string;
  readonly topics?: readonly string[];
  readonly schema: string;
  /** The warehouse it loads from (tests rename it). */
  readonly warehouse: Projection;
  /** How long the notices of one unit wait, together, for their transactions to reach the warehouse (default 5 s). */
  readonly waitMs?: number;
}

/**
 * The connector flow (seed 004's platform_account_transactionadded): a connector's
 * AccountTransactionsAdded names accounts with new transactions; "loading" them is taking, for
 * each account, the warehouse's transactions that no AccountTransactionsLoaded has announced yet
 * (a connector delivers its transactions through transactions.raw first, so they are cleansed and
 * warehoused by the time it says so, or within `waitMs`). Each account with some gets one
 * AccountTransactionsLoaded, which the realtime relay turns into account_transactionadded for that
 * account. What is announced is recorded in the checkpoint's transaction, so each transaction is
 * announced once; what arrives after the wait is announced by the account's next notice.
 */
export function transactionsLoader(publisher: Publisher, options: LoaderOptions): CheckpointedProcessor {
  const warehouse = qualified(options.warehouse, 'transactions');
  const waitMs = options.waitMs ?? 5000;
  return {
    name: options.name ?? 'transactions-loader.v1',
    topics: options.topics ?? [EVENT_ROUTES.AccountTransactionsAdded.topic],
    mode: 'checkpointed',
    schema: options.schema,
    // Not dedupeByEventId: that would record the id of every event of transactions.cleansed; the
    // notices alone are remembered, so a connector's notice published twice is handled once.
    async handle(events, { tx }) {
      // One wait for the whole unit, not one per notice: a run of notices naming accounts with
      // nothing coming (another organization's, in the same partition) held the notices after them
      // waitMs each (60 notices: 40 s, found by a stranger's probe).
      const deadline = Date.now() + waitMs;
      for (const { event } of events) {
        if (event.type !== 'AccountTransactionsAdded') continue;
        const first = await tx.query('insert into notices (event_id) values ($1) on conflict do nothing', [
          event.metadata.eventId,
        ]);
        if (first.rowCount === 0) continue;
        const accounts = [...new Set(event.payload.accountIds)];
        await waitForWarehouse(tx, warehouse, event, accounts, deadline);
        const outputs: TributaryEvent[] = [];
        for (const accountId of accounts) {
          const { rows } = await tx.query<{ total: string; ids: string[] }>(
            `with fresh as (
               select t.transaction_id, t.posted_on from ${warehouse} t
               where t.organization_id = $1 and t.account_id = $2 and not exists (
                 select 1 from announced a where a.organization_id = $1 and a.account_id = $2
                   and a.transaction_id = t.transaction_id)),
             recorded as (insert into announced select $1, $2, transaction_id from fresh on conflict do nothing)
             select (select count(*) from fresh) as total,
               array(select transaction_id::text from fresh order by posted_on desc, transaction_id desc limit ${LISTED}) as ids`,
            [event.metadata.organizationId, accountId],
          );
          const total = Number(rows[0]!.total);
          if (total === 0) continue;
          outputs.push({
            type: 'AccountTransactionsLoaded',
            metadata: {
              ...event.metadata,
              eventId: derivedEventId(event.metadata.eventId, `loaded/${accountId}`),
              causationId: event.metadata.eventId,
              actor: 'transactions-loader',
            },
            payload: {
              accountId,
              batchId: event.payload.batchId,
              count: total,
              transactionIds: rows[0]!.ids,
              sourceSystem: event.payload.sourceSystem,
            },
          });
        }
        if (outputs.length > 0) await publisher.publishBatch(outputs);
      }
    },
  };
}

/** Until every account has something unannounced (and as many as the notice counts, when it does), or the deadline. */
async function waitForWarehouse(
  tx: pg.PoolClient,
  warehouse: string,
  event: AccountTransactionsAdded,
  accounts: readonly string[],
  deadline: number,
): Promise<void> {
  for (;;) {
    const { rows } = await tx.query<{ accounts: string; total: string }>(
      `select count(distinct t.account_id) as accounts, count(*) as total from ${warehouse} t
       where t.organization_id = $1 and t.account_id = any($2::text[]) and not exists (
         select 1 from announced a where a.organization_id = t.organization_id and a.account_id = t.account_id
           and a.transaction_id = t.transaction_id)`,
      [event.metadata.organizationId, accounts],
    );
    const ready = Number(rows[0]!.accounts) >= accounts.length && Number(rows[0]!.total) >= (event.payload.count ?? 0);
    if (ready || Date.now() >= deadline) return;
    await sleep(250);
  }
}
