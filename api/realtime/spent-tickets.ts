import type pg from 'pg';
import type { Migration } from '../../infra/postgres/migrations.ts';

/**
 * The ids of the tickets that opened a socket, kept until the ticket expires. API instances share
 * nothing but Kafka and Postgres, so it is here that a ticket is spent once for all of them.
 */
export const SPENT_TICKET_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'realtime tickets spent by an upgrade',
    sql: `create table public.realtime_spent_tickets (
      ticket_id text primary key,
      expires_at timestamptz not null);
      create index realtime_spent_tickets_expiry on public.realtime_spent_tickets (expires_at)`,
  },
];

/**
 * Spends a ticket: true the first time its id is seen, false ever after (on any instance).
 * Ids of tickets expired a minute ago or more are forgotten on the way: a verifier with its
 * clock tolerance refuses those tickets by their expiry already.
 */
export async function spendTicket(db: Pick<pg.Pool, 'query'>, id: string, expiresAt: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `with forgotten as (delete from public.realtime_spent_tickets where expires_at < now() - interval '1 minute')
     insert into public.realtime_spent_tickets (ticket_id, expires_at) values ($1, $2)
     on conflict (ticket_id) do nothing`,
    [id, expiresAt],
  );
  return rowCount === 1;
}
