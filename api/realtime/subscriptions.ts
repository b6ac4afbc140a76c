import type pg from 'pg';
import type { Migration } from '../../infra/postgres/migrations.ts';

/** A user's subscriptions made over REST: they apply to every websocket session of that user, on every instance. */
export const SUBSCRIPTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'realtime subscriptions per user',
    sql: `create table public.realtime_subscriptions (
      organization_id text not null,
      subject text not null,
      topic text not null,
      account_ids text[],
      thread_ids text[],
      updated_at timestamptz not null default now(),
      primary key (organization_id, subject, topic))`,
  },
];

/** Postgres NOTIFY channel telling every API instance that a user's subscriptions changed. */
export const SUBSCRIPTIONS_CHANGED = 'tributary_realtime_subscriptions';

export interface StoredSubscription {
  readonly topic: string;
  readonly accountIds: readonly string[] | null;
  readonly threadIds: readonly string[] | null;
}

export interface SubscriptionOwner {
  readonly organizationId: string;
  readonly subject: string;
}

export async function storedSubscriptions(
  db: Pick<pg.Pool, 'query'>,
  owner: SubscriptionOwner,
): Promise<StoredSubscription[]> {
  const { rows } = await db.query<{ topic: string; account_ids: string[] | null; thread_ids: string[] | null }>(
    'select topic, account_ids, thread_ids from public.realtime_subscriptions where organization_id = $1 and subject = $2 order by topic',
    [owner.organizationId, owner.subject],
  );
  return rows.map((r) => ({ topic: r.topic, accountIds: r.account_ids, threadIds: r.thread_ids }));
}

/** Adds or replaces the user's subscriptions to `topics` and tells every instance, in one transaction. */
export async function saveSubscriptions(
  pool: pg.Pool,
  owner: SubscriptionOwner,
  topics: readonly string[],
  filters: { accountIds?: readonly string[]; threadIds?: readonly string[] },
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (const topic of topics) {
      await client.query(
        `insert into public.realtime_subscriptions (organization_id, subject, topic, account_ids, thread_ids) values ($1, $2, $3, $4, $5)
         on conflict (organization_id, subject, topic) do update set account_ids = excluded.account_ids, thread_ids = excluded.thread_ids, updated_at = now()`,
        [owner.organizationId, owner.subject, topic, filters.accountIds ?? null, filters.threadIds ?? null],
      );
    }
    await client.query('select pg_notify($1, $2)', [SUBSCRIPTIONS_CHANGED, JSON.stringify(owner)]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function removeSubscriptions(
  pool: pg.Pool,
  owner: SubscriptionOwner,
  topics: readonly string[],
): Promise<void> {
  await pool.query(
    `with removed as (delete from public.realtime_subscriptions where organization_id = $1 and subject = $2 and topic = any($3))
     select pg_notify($4, $5)`,
    [owner.organizationId, owner.subject, topics, SUBSCRIPTIONS_CHANGED, JSON.stringify(owner)],
  );
}
