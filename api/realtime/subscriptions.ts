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
  {
    version: 2,
    name: 'filters as a map of filter keys',
    sql: `alter table public.realtime_subscriptions add column filters jsonb not null default '{}';
      update public.realtime_subscriptions set filters = jsonb_strip_nulls(
        jsonb_build_object('accountId', to_jsonb(account_ids), 'threadId', to_jsonb(thread_ids)));
      alter table public.realtime_subscriptions drop column account_ids, drop column thread_ids`,
  },
];

/** Postgres NOTIFY channel telling every API instance that a user's subscriptions changed. */
export const SUBSCRIPTIONS_CHANGED = 'tributary_realtime_subscriptions';

export interface StoredSubscription {
  readonly topic: string;
  /** Filter key to the values that pass; empty for every notification of the topic. */
  readonly filters: Readonly<Record<string, readonly string[]>>;
}

export interface SubscriptionOwner {
  readonly organizationId: string;
  readonly subject: string;
}

export async function storedSubscriptions(
  db: Pick<pg.Pool, 'query'>,
  owner: SubscriptionOwner,
): Promise<StoredSubscription[]> {
  const { rows } = await db.query<{ topic: string; filters: Record<string, string[]> }>(
    'select topic, filters from public.realtime_subscriptions where organization_id = $1 and subject = $2 order by topic',
    [owner.organizationId, owner.subject],
  );
  return rows.map((r) => ({ topic: r.topic, filters: r.filters }));
}

/** Adds or replaces the user's subscriptions to `topics` and tells every instance, in one transaction. */
export async function saveSubscriptions(
  pool: pg.Pool,
  owner: SubscriptionOwner,
  topics: readonly string[],
  filters: Readonly<Record<string, readonly string[]>>,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (const topic of topics) {
      await client.query(
        `insert into public.realtime_subscriptions (organization_id, subject, topic, filters) values ($1, $2, $3, $4)
         on conflict (organization_id, subject, topic) do update set filters = excluded.filters, updated_at = now()`,
        [owner.organizationId, owner.subject, topic, JSON.stringify(filters)],
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
