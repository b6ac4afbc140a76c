import type pg from 'pg';
import type { Migration } from '../postgres/migrations.ts';
import type { ProcessorReport } from './processing.ts';

export const INSTANCE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'running instances and their heartbeats',
    sql: `
      create table public.tributary_instances (
        instance_id text primary key,
        host text not null,
        pid integer not null,
        role text not null,
        processors text[] not null,
        address text,
        started_at timestamptz not null,
        last_seen timestamptz not null,
        lag bigint not null default 0,
        consumers jsonb not null default '[]');`,
  },
];

/** What an instance says of itself when it starts. */
export interface InstanceIdentity {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly role: string;
  /** The parts it runs, by the names `start` prints. */
  readonly processors: readonly string[];
  /** Where its /metrics and /health answer (the API's or the ops listener's URL). */
  readonly address?: string;
}

export interface InstanceRecord extends InstanceIdentity {
  readonly startedAt: Date;
  readonly lastSeen: Date;
  readonly lag: number;
  readonly consumers: readonly ProcessorReport[];
  /** Not seen within the stale window: crashed, killed, or cut off from Postgres. */
  readonly stale: boolean;
}

export async function registerInstance(pool: pg.Pool, identity: InstanceIdentity): Promise<void> {
  await pool.query(
    `insert into public.tributary_instances (instance_id, host, pid, role, processors, address, started_at, last_seen)
     values ($1, $2, $3, $4, $5, $6, now(), now())
     on conflict (instance_id) do update set last_seen = now()`,
    [identity.id, identity.host, identity.pid, identity.role, identity.processors, identity.address ?? null],
  );
}

/** Records that the instance is alive and what it is behind, and forgets instances long gone. */
export async function beat(
  pool: pg.Pool,
  id: string,
  report: { lag: number; consumers: readonly ProcessorReport[] },
  pruneAfterMs: number,
): Promise<void> {
  await pool.query(
    `update public.tributary_instances set last_seen = now(), lag = $2, consumers = $3 where instance_id = $1`,
    [id, report.lag, JSON.stringify(report.consumers)],
  );
  await pool.query(
    `delete from public.tributary_instances where last_seen < now() - make_interval(secs => $1::float8 / 1000)`,
    [pruneAfterMs],
  );
}

/** A clean stop removes the instance: it is not stale, it is gone. */
export async function removeInstance(pool: pg.Pool, id: string): Promise<void> {
  await pool.query('delete from public.tributary_instances where instance_id = $1', [id]);
}

/** Every registered instance, oldest first; stale ones flagged by the database's clock, not ours. */
export async function listInstances(pool: pg.Pool, staleAfterMs: number): Promise<InstanceRecord[]> {
  const { rows } = await pool.query(
    `select instance_id, host, pid, role, processors, address, started_at, last_seen, lag, consumers,
            last_seen < now() - make_interval(secs => $1::float8 / 1000) as stale
       from public.tributary_instances order by started_at, instance_id`,
    [staleAfterMs],
  );
  return rows.map((row) => ({
    id: row.instance_id,
    host: row.host,
    pid: row.pid,
    role: row.role,
    processors: row.processors,
    ...(row.address ? { address: row.address } : {}),
    startedAt: row.started_at,
    lastSeen: row.last_seen,
    lag: Number(row.lag),
    consumers: row.consumers,
    stale: row.stale,
  }));
}
