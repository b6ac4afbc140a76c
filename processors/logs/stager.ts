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

/** One consumer batch's entries of one Hive partition and Kafka partition: a staged segment. */
interface Segment {
  readonly topic: string;
  readonly partition: number;
  readonly environment: string;
  readonly organizationId: string;
  readonly logType: string;
  readonly hour: string;
  readonly offsets: string[];
  readonly lines: string[];
}

const HOUR_MS = 3_600_000;

/** The batch's entries grouped into segments, each in offset order (the batch's). */
export function segmentsOf(entries: readonly ConsumedEvent<EventOf<'LogEntry'>>[]): Segment[] {
  const segments = new Map<string, Segment>();
  for (const consumed of entries) {
    const { payload, metadata } = consumed.event;
    // Per entry, so cheap: the hour as a number, and a key that no two partitions share (each text
    // after its length) rather than JSON or a Date's ISO text, which were a third of this loop.
    const hour = Math.floor(metadata.occurredAt.getTime() / HOUR_MS);
    const { environment, organizationId, logType } = payload;
    const id = `${consumed.topic.length}:${consumed.topic}${consumed.partition}:${environment.length}:${environment}${organizationId.length}:${organizationId}${logType.length}:${logType}${hour}`;
    let segment = segments.get(id);
    if (!segment) {
      segment = {
        topic: consumed.topic,
        partition: consumed.partition,
        environment,
        organizationId,
        logType,
        hour: hourOf(metadata.occurredAt).toISOString(),
        offsets: [],
        lines: [],
      };
      segments.set(id, segment);
    }
    segment.offsets.push(consumed.offset);
    segment.lines.push(JSON.stringify(lakeRowOf(consumed)));
  }
  return [...segments.values()];
}

/**
 * Stages log entries for the lake in the transaction that advances its checkpoint: each entry is
 * staged exactly once, under the Hive partition of its own time. A batch's entries of one
 * partition are one row (a segment of NDJSON lines, the text DuckDB reads), not a row each: the
 * per-row cost of a Postgres insert (tuple, index entries, WAL record), and of the delete once
 * stored, was most of the partitioner's time. Malformed records never reach here: the runtime
 * dead-letters what does not decode.
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
      const segments = segmentsOf(
        events.filter((c): c is ConsumedEvent<EventOf<'LogEntry'>> => c.event.type === 'LogEntry'),
      );
      if (segments.length === 0) return;
      const texts = segments.map((s) => s.lines.join('\n'));
      const bytes = texts.map((text) => Buffer.byteLength(text));
      const starts: number[] = [];
      let start = 1;
      for (const length of bytes) {
        starts.push(start);
        start += length;
      }
      // Every segment's text in one bytea parameter, which node-postgres sends in binary, and cut
      // apart by Postgres: as a text[] parameter each line's quotes were escaped for an array
      // literal, here and again in Postgres (a megabyte of JSON took ~5x as long as deflated text).
      // Postgres compresses the column (lz4) in its own process, on the other core, where the
      // stager's deflate and base64 were a sixth of this thread's staging.
      await tx.query(
        `insert into log_lake_segments (topic, partition, environment, organization_id, log_type, hour,
           first_offset, last_offset, entries, bytes, lines, deflated)
         select topic, partition, environment, organization_id, log_type, hour, first_offset, last_offset, entries,
           bytes, convert_from(substring($11::bytea from start for bytes), 'UTF8'), false
         from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
           $7::bigint[], $8::bigint[], $9::int[], $10::int[], $12::int[])
           as s(topic, partition, environment, organization_id, log_type, hour, first_offset, last_offset, entries,
             bytes, start)
         on conflict do nothing`,
        [
          segments.map((s) => s.topic),
          segments.map((s) => s.partition),
          segments.map((s) => s.environment),
          segments.map((s) => s.organizationId),
          segments.map((s) => s.logType),
          segments.map((s) => s.hour),
          segments.map((s) => s.offsets[0]!),
          segments.map((s) => s.offsets.at(-1)!),
          segments.map((s) => s.lines.length),
          bytes,
          Buffer.from(texts.join(''), 'utf8'),
          starts,
        ],
      );
    },
  };
}
