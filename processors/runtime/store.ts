import type pg from 'pg';
import type { Migration } from '../../infra/postgres/migrations.ts';

/** The runtime's own tables: checkpoints of checkpointed processors, and keys parked behind a dead letter. */
export const RUNTIME_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'checkpoints and parked keys',
    sql: `
      create table tributary_checkpoints (
        processor text not null,
        topic text not null,
        partition integer not null,
        next_offset bigint not null,
        updated_at timestamptz not null default now(),
        primary key (processor, topic, partition));
      create table tributary_parked_keys (
        processor text not null,
        topic text not null,
        key text not null,
        partition integer not null,
        dead_letter_offset bigint not null,
        reason text not null,
        parked_at timestamptz not null default now(),
        primary key (processor, topic, key));`,
  },
];

type Queryable = Pick<pg.PoolClient, 'query'>;

/** The next offset to apply for a partition, locking the row until the transaction ends. */
export async function lockCheckpoint(
  tx: Queryable,
  processor: string,
  topic: string,
  partition: number,
): Promise<bigint> {
  const { rows } = await tx.query<{ next_offset: string }>(
    'select next_offset from tributary_checkpoints where processor = $1 and topic = $2 and partition = $3 for update',
    [processor, topic, partition],
  );
  return rows[0] ? BigInt(rows[0].next_offset) : 0n;
}

export async function saveCheckpoint(
  tx: Queryable,
  processor: string,
  topic: string,
  partition: number,
  nextOffset: bigint,
): Promise<void> {
  await tx.query(
    `insert into tributary_checkpoints (processor, topic, partition, next_offset) values ($1, $2, $3, $4)
     on conflict (processor, topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()`,
    [processor, topic, partition, nextOffset.toString()],
  );
}

export async function checkpoints(
  db: Queryable,
  processor: string,
): Promise<{ topic: string; partition: number; nextOffset: bigint }[]> {
  const { rows } = await db.query<{ topic: string; partition: number; next_offset: string }>(
    'select topic, partition, next_offset from tributary_checkpoints where processor = $1 order by topic, partition',
    [processor],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: BigInt(r.next_offset) }));
}

export async function parkedKeys(db: Queryable, processor: string, topic: string): Promise<Set<string>> {
  const { rows } = await db.query<{ key: string }>(
    'select key from tributary_parked_keys where processor = $1 and topic = $2',
    [processor, topic],
  );
  return new Set(rows.map((r) => r.key));
}

export async function parkKey(
  db: Queryable,
  park: { processor: string; topic: string; key: string; partition: number; deadLetterOffset: string; reason: string },
): Promise<void> {
  await db.query(
    `insert into tributary_parked_keys (processor, topic, key, partition, dead_letter_offset, reason) values ($1, $2, $3, $4, $5, $6)
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
    'delete from tributary_parked_keys where processor = $1 and topic = $2 and key = any($3)',
    [processor, topic, keys],
  );
  return result.rowCount ?? 0;
}
