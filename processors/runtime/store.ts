import type pg from 'pg';
import type { Migration } from '../../infra/postgres/migrations.ts';

// Every statement on the runtime's tables (checkpoints, parked keys, last errors, seen event ids,
// and the migration records of what processors own) lives in this module, but a unit's own
// BEGIN-to-COMMIT (unit-transaction.ts): callers, the replay and the API's read-your-writes wait
// included, name what they want done.

/** The runtime's own tables: checkpoints of checkpointed processors, and keys parked behind a dead letter. */
export const RUNTIME_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'checkpoints and parked keys',
    sql: `
      create table public.tributary_checkpoints (
        processor text not null,
        topic text not null,
        partition integer not null,
        next_offset bigint not null,
        updated_at timestamptz not null default now(),
        primary key (processor, topic, partition));
      create table public.tributary_parked_keys (
        processor text not null,
        topic text not null,
        key text not null,
        partition integer not null,
        dead_letter_offset bigint not null,
        reason text not null,
        parked_at timestamptz not null default now(),
        primary key (processor, topic, key));`,
  },
  {
    version: 2,
    name: 'last error per processor',
    sql: `
      create table public.tributary_processor_errors (
        processor text primary key,
        error text not null,
        topic text not null,
        partition integer not null,
        "offset" bigint not null,
        occurred_at timestamptz not null default now());`,
  },
  {
    version: 3,
    name: 'event ids seen by deduplicating processors',
    sql: `
      create table public.tributary_seen_events (
        processor text not null,
        event_id uuid not null,
        seen_at timestamptz not null default now(),
        primary key (processor, event_id));`,
  },
  {
    version: 4,
    name: 'dead letters discarded, with why and by whom',
    sql: `
      create table public.tributary_dead_letter_discards (
        topic text not null,
        dlq_partition integer not null,
        dlq_offset bigint not null,
        processor text not null,
        key text,
        source_partition integer not null,
        source_offset bigint not null,
        reason text not null,
        discarded_by text not null,
        discarded_at timestamptz not null default now(),
        primary key (topic, dlq_partition, dlq_offset));`,
  },
];

type Queryable = Pick<pg.PoolClient, 'query'>;

/** The advisory lock a processor's units take shared and a hand-over takes exclusive. */
export const checkpointLock = (processor: string) => `tributary_checkpoints:${processor}`;

/**
 * The next offset to apply for a partition, locking the row until the transaction ends.
 * `stored` is false when the processor has never checkpointed this partition.
 *
 * First it takes the processor's checkpoint lock, shared: a hand-over of checkpoints (a replay's
 * swap) holds it exclusive, so a unit waits for the swap to commit and then reads the checkpoints
 * handed over. Row locks alone do not do it: a `select ... for update` that waited on a row the
 * swap deleted finds nothing and would start the partition from offset zero.
 */
export async function lockCheckpoint(
  tx: Queryable,
  processor: string,
  topic: string,
  partition: number,
): Promise<{ next: bigint; stored: boolean }> {
  await tx.query('select pg_advisory_xact_lock_shared(hashtext($1))', [checkpointLock(processor)]);
  const { rows } = await tx.query<{ next_offset: string }>(
    'select next_offset from public.tributary_checkpoints where processor = $1 and topic = $2 and partition = $3 for update',
    [processor, topic, partition],
  );
  return rows[0] ? { next: BigInt(rows[0].next_offset), stored: true } : { next: 0n, stored: false };
}

export async function saveCheckpoint(
  tx: Queryable,
  processor: string,
  topic: string,
  partition: number,
  nextOffset: bigint,
): Promise<void> {
  await tx.query(
    `insert into public.tributary_checkpoints (processor, topic, partition, next_offset) values ($1, $2, $3, $4)
     on conflict (processor, topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()`,
    [processor, topic, partition, nextOffset.toString()],
  );
}

export async function checkpoints(
  db: Queryable,
  processor: string,
): Promise<{ topic: string; partition: number; nextOffset: bigint }[]> {
  const { rows } = await db.query<{ topic: string; partition: number; next_offset: string }>(
    'select topic, partition, next_offset from public.tributary_checkpoints where processor = $1 order by topic, partition',
    [processor],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: BigInt(r.next_offset) }));
}

/** Offsets by topic and partition (partitions as decimal strings, as JSON keys them). */
export type OffsetsByTopic = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Whether the processor's checkpoints are past every offset given: it has applied each of those records. */
export async function checkpointsReached(db: Queryable, processor: string, offsets: OffsetsByTopic): Promise<boolean> {
  const stored = await checkpoints(db, processor);
  return Object.entries(offsets).every(([topic, partitions]) =>
    Object.entries(partitions).every(([partition, offset]) => {
      const checkpoint = stored.find((c) => c.topic === topic && c.partition === Number(partition));
      return checkpoint !== undefined && checkpoint.nextOffset > BigInt(offset);
    }),
  );
}

/** Locks every checkpoint of the processor until the transaction ends: its runner waits at its next unit. */
export async function lockCheckpoints(tx: Queryable, processor: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [checkpointLock(processor)]);
  await tx.query('select 1 from public.tributary_checkpoints where processor = $1 for update', [processor]);
}

/**
 * Gives `from`'s checkpoints to `to`, replacing those `to` had: `to`'s runner goes on from where
 * `from` stopped (a rebuilt projection taking over from the live one).
 */
export async function handOverCheckpoints(tx: Queryable, from: string, to: string): Promise<void> {
  await tx.query('delete from public.tributary_checkpoints where processor = $1', [to]);
  await tx.query('update public.tributary_checkpoints set processor = $1 where processor = $2', [to, from]);
}

/** Gives the migration records of owner `from` to owner `to`, replacing `to`'s (the tables they describe changed hands). */
export async function handOverMigrations(tx: Queryable, from: string, to: string): Promise<void> {
  await tx.query('delete from public.tributary_migrations where owner = $1', [to]);
  await tx.query('update public.tributary_migrations set owner = $1 where owner = $2', [to, from]);
}

/** Forgets where the processor got to and the keys it parked: its next run starts from the beginning. */
export async function forgetProcessor(db: Queryable, processor: string): Promise<void> {
  await db.query('delete from public.tributary_checkpoints where processor = $1', [processor]);
  await db.query('delete from public.tributary_parked_keys where processor = $1', [processor]);
}

/** Forgets the migrations applied for `owner`: the next `migrate` for it starts from the first. */
export async function forgetMigrations(db: Queryable, owner: string): Promise<void> {
  await db.query('delete from public.tributary_migrations where owner = $1', [owner]);
}

export async function parkedKeys(db: Queryable, processor: string, topic: string): Promise<Set<string>> {
  const { rows } = await db.query<{ key: string }>(
    'select key from public.tributary_parked_keys where processor = $1 and topic = $2',
    [processor, topic],
  );
  return new Set(rows.map((r) => r.key));
}

export async function parkKey(
  db: Queryable,
  park: { processor: string; topic: string; key: string; partition: number; deadLetterOffset: string; reason: string },
): Promise<void> {
  await db.query(
    `insert into public.tributary_parked_keys (processor, topic, key, partition, dead_letter_offset, reason) values ($1, $2, $3, $4, $5, $6)
     on conflict (processor, topic, key) do nothing`,
    [park.processor, park.topic, park.key, park.partition, park.deadLetterOffset, park.reason],
  );
}

export async function unparkKeys(
  db: Queryable,
  processor: string,
  topic: string,
  keys: readonly string[],
): Promise<number> {
  const result = await db.query(
    'delete from public.tributary_parked_keys where processor = $1 and topic = $2 and key = any($3)',
    [processor, topic, keys],
  );
  return result.rowCount ?? 0;
}

/** A dead letter set aside for good: never redriven, kept in the audit table with why and by whom. */
export interface Discard {
  readonly topic: string;
  readonly dlqPartition: number;
  readonly dlqOffset: string;
  readonly processor: string;
  readonly key: string | null;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly reason: string;
  readonly discardedBy: string;
}

/**
 * Records the discards and releases each key that its discarded dead letter was blocking (the
 * parked row names that dead letter's offset), in one transaction. Returns the keys released.
 */
export async function recordDiscards(tx: Queryable, discards: readonly Discard[]): Promise<number> {
  let released = 0;
  for (const d of discards) {
    await tx.query(
      `insert into public.tributary_dead_letter_discards
         (topic, dlq_partition, dlq_offset, processor, key, source_partition, source_offset, reason, discarded_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
      [
        d.topic,
        d.dlqPartition,
        d.dlqOffset,
        d.processor,
        d.key,
        d.sourcePartition,
        d.sourceOffset,
        d.reason,
        d.discardedBy,
      ],
    );
    if (d.key === null) continue;
    const unparked = await tx.query(
      'delete from public.tributary_parked_keys where processor = $1 and topic = $2 and key = $3 and dead_letter_offset = $4',
      [d.processor, d.topic, d.key, d.dlqOffset],
    );
    released += unparked.rowCount ?? 0;
  }
  return released;
}

/** The dead letters of a topic that were discarded: `<dlq partition>/<dlq offset>` to why, by whom, when. */
export async function discardsOf(
  db: Queryable,
  topic: string,
): Promise<Map<string, { reason: string; discardedBy: string; discardedAt: Date }>> {
  const { rows } = await db.query<{
    dlq_partition: number;
    dlq_offset: string;
    reason: string;
    discarded_by: string;
    discarded_at: Date;
  }>(
    'select dlq_partition, dlq_offset, reason, discarded_by, discarded_at from public.tributary_dead_letter_discards where topic = $1',
    [topic],
  );
  return new Map(
    rows.map((r) => [
      `${r.dlq_partition}/${r.dlq_offset}`,
      { reason: r.reason, discardedBy: r.discarded_by, discardedAt: r.discarded_at },
    ]),
  );
}

/** Remembers the last failure of a processor, for `tributary projections status`. */
export async function recordError(
  db: Queryable,
  failure: { processor: string; error: string; topic: string; partition: number; offset: string },
): Promise<void> {
  await db.query(
    `insert into public.tributary_processor_errors (processor, error, topic, partition, "offset") values ($1, $2, $3, $4, $5)
     on conflict (processor) do update set error = excluded.error, topic = excluded.topic, partition = excluded.partition,
       "offset" = excluded."offset", occurred_at = now()`,
    [failure.processor, failure.error.slice(0, 2000), failure.topic, failure.partition, failure.offset],
  );
}

export async function lastError(
  db: Queryable,
  processor: string,
): Promise<{ error: string; occurredAt: Date } | undefined> {
  const { rows } = await db.query<{ error: string; occurred_at: Date }>(
    'select error, occurred_at from public.tributary_processor_errors where processor = $1',
    [processor],
  );
  return rows[0] ? { error: rows[0].error, occurredAt: rows[0].occurred_at } : undefined;
}

/**
 * Records the event ids as seen by the processor, inside the caller's transaction, and returns
 * those that were not seen before: the ones to apply.
 */
export async function firstSightings(
  tx: Queryable,
  processor: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await tx.query<{ event_id: string }>(
    `insert into public.tributary_seen_events (processor, event_id) select $1, unnest($2::uuid[])
     on conflict do nothing returning event_id`,
    [processor, eventIds],
  );
  return new Set(rows.map((r) => r.event_id));
}
