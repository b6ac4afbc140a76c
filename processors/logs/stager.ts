import { hourOf } from '../../infra/lake/layout.ts';
import type { EventOf } from '../../schemas/generated/events.ts';
import type { CheckpointedProcessor, ConsumedEvent } from '../runtime/processor.ts';
import type { LakeRow } from './parquet-writer.ts';

/** A LogEntry as its Parquet row. */
export function lakeRowOf({ event, topic, partition, offset }: ConsumedEvent<EventOf<'LogEntry'>>): LakeRow {
  const { payload, metadata } = event;
  return {
    event_id: metadata.eventId,
    occurred_at: metadata.occurredAt.toISOString(),
    server: payload.server,
    level: payload.level,
    message: payload.message,
    correlation_id: metadata.correlationId,
    events: payload.events.map((step) => ({
      action: step.action,
      description: step.description,
      detail: step.detail,
      caller: step.caller,
      server: step.server,
      success: step.success,
      time: step.time.toISOString(),
      transaction_id: step.transactionId,
      type: step.type,
    })),
    kafka_topic: topic,
    kafka_partition: partition,
    kafka_offset: offset,
  };
}

/**
 * Stages log entries for the lake in the transaction that advances its checkpoint: each entry is
 * staged exactly once, under the Hive partition of its own time. Malformed records never reach
 * here: the runtime dead-letters what does not decode.
 */
export function lakeStager(name: string, topics: readonly string[], schema: string): CheckpointedProcessor {
  return {
    name,
    topics,
    mode: 'checkpointed',
    schema,
    // Entries stand alone: a malformed one is dead-lettered without holding its organization's back.
    parkKeys: false,
    async handle(events, { tx }) {
      const entries = events.filter((c): c is ConsumedEvent<EventOf<'LogEntry'>> => c.event.type === 'LogEntry');
      if (entries.length === 0) return;
      const rows = entries.map((consumed) => JSON.stringify(lakeRowOf(consumed)));
      // Column arrays, not one JSON document of rows: each row stays the text it is stored as,
      // with no JSON parsed in Postgres.
      await tx.query(
        `insert into log_lake_staged (topic, partition, kafka_offset, environment, organization_id, log_type, hour, row, row_bytes)
         select * from unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
           $8::text[], $9::int[])
         on conflict do nothing`,
        [
          entries.map((c) => c.topic),
          entries.map((c) => c.partition),
          entries.map((c) => c.offset),
          entries.map((c) => c.event.payload.environment),
          entries.map((c) => c.event.payload.organizationId),
          entries.map((c) => c.event.payload.logType),
          entries.map((c) => hourOf(c.event.metadata.occurredAt).toISOString()),
          rows,
          rows.map((row) => Buffer.byteLength(row)),
        ],
      );
    },
  };
}
