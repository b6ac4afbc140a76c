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
      const rows = events
        .filter((c): c is ConsumedEvent<EventOf<'LogEntry'>> => c.event.type === 'LogEntry')
        .map((consumed) => {
          const row = lakeRowOf(consumed);
          const json = JSON.stringify(row);
          return {
            topic: consumed.topic,
            partition: consumed.partition,
            kafka_offset: consumed.offset,
            environment: consumed.event.payload.environment,
            organization_id: consumed.event.payload.organizationId,
            log_type: consumed.event.payload.logType,
            hour: hourOf(consumed.event.metadata.occurredAt).toISOString(),
            row,
            row_bytes: Buffer.byteLength(json),
          };
        });
      if (rows.length === 0) return;
      await tx.query(
        `insert into log_lake_staged (topic, partition, kafka_offset, environment, organization_id, log_type, hour, row, row_bytes)
         select topic, partition, kafka_offset, environment, organization_id, log_type, hour, row, row_bytes
         from jsonb_to_recordset($1::jsonb) as r(topic text, partition int, kafka_offset bigint, environment text,
           organization_id text, log_type text, hour timestamptz, row jsonb, row_bytes int)
         on conflict do nothing`,
        [JSON.stringify(rows)],
      );
    },
  };
}
