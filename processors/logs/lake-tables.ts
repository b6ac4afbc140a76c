import type { Migration } from '../../infra/postgres/migrations.ts';

/**
 * The lake's staging area in Postgres (`log_lake_segments`), in a schema of its own (tests use their own schema):
 * entries are staged exactly once with the consumer's checkpoint, then leave for a Parquet object
 * through a recorded flush (`log_lake_flushes`, its segments named by `log_lake_flush_ranges` while
 * it is `writing`), so a crash at any point neither loses nor doubles a row.
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
  {
    // Claiming by marking each entry rewrote every staged row (an UPDATE copies the whole tuple,
    // JSON included) just to say which flush it belongs to: the flush cycle's largest cost. A
    // flush is now its partition and, per Kafka partition, an offset range: entries of one Kafka
    // partition are staged in offset order, so no entry can join a range once it is claimed.
    // The row is kept as the JSON text DuckDB reads: Postgres never looks inside it, and jsonb
    // would be parsed on the way in and printed again on the way out.
    version: 2,
    name: 'log lake flushes by offset range',
    sql: `create table log_lake_flush_ranges (
        flush_id uuid not null references log_lake_flushes,
        environment text not null,
        organization_id text not null,
        log_type text not null,
        hour timestamptz not null,
        topic text not null,
        partition int not null,
        first_offset bigint not null,
        last_offset bigint not null,
        primary key (flush_id, topic, partition));
      insert into log_lake_flush_ranges
        select flush_id, environment, organization_id, log_type, hour, topic, partition, min(kafka_offset), max(kafka_offset)
        from log_lake_staged where flush_id is not null
        group by flush_id, environment, organization_id, log_type, hour, topic, partition;
      alter table log_lake_staged drop column flush_id;
      alter table log_lake_staged alter column row type text using row::text;
      create index log_lake_staged_partition
        on log_lake_staged (environment, organization_id, log_type, hour, topic, partition, kafka_offset);`,
  },
  {
    // A row per entry made Postgres's per-row costs (tuple, index entries, WAL record, then the
    // delete) the partitioner's largest: a consumer batch's entries of one partition are staged
    // as one segment of NDJSON lines. Ranges now cover whole segments (first_offset within them).
    // Entries staged before become segments of one, so a `writing` flush keeps its entries.
    // The lines are stored uncompressed (storage external): they are read once, soon, whole.
    version: 3,
    name: 'log lake segments',
    sql: `create table log_lake_segments (
        environment text not null,
        organization_id text not null,
        log_type text not null,
        hour timestamptz not null,
        topic text not null,
        partition int not null,
        first_offset bigint not null,
        last_offset bigint not null,
        entries int not null,
        bytes int not null,
        lines text not null,
        staged_at timestamptz not null default now(),
        primary key (environment, organization_id, log_type, hour, topic, partition, first_offset));
      alter table log_lake_segments alter column lines set storage external;
      insert into log_lake_segments
        select environment, organization_id, log_type, hour, topic, partition, kafka_offset, kafka_offset, 1, row_bytes,
          row, staged_at
        from log_lake_staged;
      drop table log_lake_staged;`,
  },
  {
    // The lines are deflated by the stager (raw deflate, level 1, base64): Postgres took ~5x as long
    // to take in a megabyte of JSON as the same rows deflated to a fifth (measured on the local
    // stack, 36 segments: 87-399 ms plain against 7-30 ms, plus 27-44 ms deflating in Node).
    // Segments staged before stay plain text.
    version: 4,
    name: 'log lake deflated segments',
    sql: `alter table log_lake_segments add column deflated boolean not null default false;`,
  },
  {
    // The stager's deflate and base64 were a sixth of its thread's staging. The lines now arrive as
    // one binary parameter (no escaping) and Postgres compresses them itself (lz4, in its own
    // process), falling back to its default method where it was built without lz4. Segments staged
    // before stay deflated and are read as they are.
    version: 5,
    name: 'log lake segments compressed by Postgres',
    sql: `alter table log_lake_segments alter column lines set storage extended;
      do $$ begin
        alter table log_lake_segments alter column lines set compression lz4;
      exception when feature_not_supported then null;
      end $$;`,
  },
];

export const LAKE_MIGRATION_OWNER = 'log-lake';
