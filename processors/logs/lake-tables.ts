import type { Migration } from '../../infra/postgres/migrations.ts';

/**
 * The lake's staging area in Postgres, in a schema of its own (tests use their own schema):
 * entries are staged exactly once with the consumer's checkpoint, then leave for a Parquet object
 * through a recorded flush, so a crash at any point neither loses nor doubles a row.
 */
export const LAKE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'log lake staging',
    sql: `create table log_lake_staged (
        topic text not null,
        partition int not null,
        kafka_offset bigint not null,
        environment text not null,
        organization_id text not null,
        log_type text not null,
        hour timestamptz not null,
        row jsonb not null,
        row_bytes int not null,
        staged_at timestamptz not null default now(),
        flush_id uuid,
        primary key (topic, partition, kafka_offset));
      create index log_lake_staged_waiting on log_lake_staged (environment, organization_id, log_type, hour)
        where flush_id is null;
      create index log_lake_staged_flushing on log_lake_staged (flush_id) where flush_id is not null;
      create table log_lake_flushes (
        flush_id uuid primary key,
        object_key text not null,
        rows int not null,
        state text not null check (state in ('writing', 'stored')),
        claimed_at timestamptz not null default now(),
        stored_at timestamptz);`,
  },
];

export const LAKE_MIGRATION_OWNER = 'log-lake';
