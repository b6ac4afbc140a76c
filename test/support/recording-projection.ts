import type pg from 'pg';
import type { CheckpointedProcessor, ConsumedEvent } from '../../processors/runtime/processor.ts';

/** A table that records every application of every event, with no uniqueness: duplicates show. */
export async function createRecordingTable(pool: pg.Pool, table: string): Promise<void> {
  await pool.query(`create table ${table} (
    event_id text not null, type text not null, key text, topic text not null, partition int not null, "offset" bigint not null,
    applied_at timestamptz not null default now())`);
}

export async function recorded(
  pool: pg.Pool,
  table: string,
): Promise<{ total: number; distinct: number; ids: string[] }> {
  const { rows } = await pool.query<{ event_id: string }>(`select event_id from ${table} order by partition, "offset"`);
  const ids = rows.map((r) => r.event_id);
  return { total: ids.length, distinct: new Set(ids).size, ids };
}

/**
 * A checkpointed test projection that records each event it applies. `fail` decides, per
 * event, whether the handler throws (to exercise retries and dead letters).
 */
export function recordingProjection(
  name: string,
  topics: readonly string[],
  table: string,
  fail: (consumed: ConsumedEvent) => Error | undefined = () => undefined,
): CheckpointedProcessor {
  return {
    name,
    topics,
    mode: 'checkpointed',
    retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
    async handle(events, { tx }) {
      for (const consumed of events) {
        const error = fail(consumed);
        if (error) throw error;
        await tx.query(
          `insert into ${table} (event_id, type, key, topic, partition, "offset") values ($1, $2, $3, $4, $5, $6)`,
          [
            consumed.event.metadata.eventId,
            consumed.event.type,
            consumed.key,
            consumed.topic,
            consumed.partition,
            consumed.offset,
          ],
        );
      }
    },
  };
}
