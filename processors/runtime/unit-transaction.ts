import type pg from 'pg';
import { checkpointLock } from './store.ts';

// A checkpointed unit's transaction in two round trips around its handler's statements, where
// it used to take seven: BEGIN up to the checkpoint's lock in one multi-statement query, and the
// checkpoint's upsert with COMMIT in another. Simple queries take no parameters, so the values go
// in as quoted literals (pg's escapeLiteral).

/** What a checkpointed unit is run under: its processor's schema, and whether it may commit without waiting for the disk. */
export interface UnitSettings {
  readonly schema?: string;
  readonly asynchronousCommit?: boolean;
}

/**
 * Begins a unit's transaction on `tx` and locks its partition's checkpoint, in one round trip
 * (BEGIN, the search path, the shared checkpoint lock, the checkpoint row `for update`, the commit
 * mode): what `lockCheckpoint` does, without the five replies a unit used to wait for one by one
 * before its first statement. The values go in as quoted literals (a simple query takes no parameters).
 */
export async function beginUnit(
  tx: pg.PoolClient,
  processor: string,
  topic: string,
  partition: number,
  settings: UnitSettings,
): Promise<{ next: bigint; stored: boolean }> {
  const literal = (text: string) => tx.escapeLiteral(text);
  const statements = [
    'begin',
    ...(settings.schema ? [`set local search_path to ${tx.escapeIdentifier(settings.schema)}, public`] : []),
    `select pg_advisory_xact_lock_shared(hashtext(${literal(checkpointLock(processor))}))`,
    `select next_offset from public.tributary_checkpoints where processor = ${literal(processor)} and topic = ${literal(topic)}
       and partition = ${Number(partition)} for update`,
    // Only past a partition's first checkpoint, which is always durable: a unit lost with a later
    // one must leave a checkpoint to go back to.
    ...(settings.asynchronousCommit
      ? [
          `select set_config('synchronous_commit', 'off', true) from public.tributary_checkpoints
             where processor = ${literal(processor)} and topic = ${literal(topic)} and partition = ${Number(partition)}`,
        ]
      : []),
  ];
  const results = (await tx.query(statements.join(';\n'))) as unknown as pg.QueryResult[];
  const row = results.find((result) => result.fields?.some((field) => field.name === 'next_offset'))?.rows[0] as
    { next_offset: string } | undefined;
  return row ? { next: BigInt(row.next_offset), stored: true } : { next: 0n, stored: false };
}

/** Saves the checkpoint (when it moves) and commits, in one round trip. */
export async function commitUnit(
  tx: pg.PoolClient,
  checkpoint: { processor: string; topic: string; partition: number; nextOffset?: bigint },
): Promise<void> {
  const literal = (text: string) => tx.escapeLiteral(text);
  const { processor, topic, partition, nextOffset } = checkpoint;
  const statements = [
    ...(nextOffset === undefined
      ? []
      : [
          `insert into public.tributary_checkpoints (processor, topic, partition, next_offset)
             values (${literal(processor)}, ${literal(topic)}, ${Number(partition)}, ${nextOffset.toString()})
           on conflict (processor, topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()`,
        ]),
    'commit',
  ];
  await tx.query(statements.join(';\n'));
}
