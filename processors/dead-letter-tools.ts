import type pg from 'pg';
import { withKafkaAdmin } from '../infra/kafka/admin.ts';
import type { KafkaConnection } from '../infra/kafka/client.ts';
import { deadLetterTopic } from '../infra/kafka/topics.ts';
import { migrate } from '../infra/postgres/migrations.ts';
import { HEADERS } from '../producers/publisher.ts';
import { DLQ_HEADERS, headerText, sendRedrives, type RecordHeaders } from './runtime/dead-letters.ts';
import { readToEnd } from './runtime/read-to-end.ts';
import { RUNTIME_MIGRATIONS, unparkKeys } from './runtime/store.ts';

export interface DeadLetterEntry {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly type?: string;
  readonly eventId?: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly processor: string;
  readonly reason: string;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
  /** Whether an earlier `dlq redrive` already sent it back. */
  readonly redriven: boolean;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
}

const progressGroup = (topic: string) => `tributary.dlq-redrive.${topic}`;

/** Every dead letter of a topic still within retention, oldest first. */
export async function listDeadLetters(kafka: KafkaConnection, topic: string): Promise<DeadLetterEntry[]> {
  const dlq = deadLetterTopic(topic);
  const redrivenUpTo = new Map<number, bigint>();
  const progress = await withKafkaAdmin(kafka, (admin) => admin.committedOffsets(progressGroup(topic), dlq));
  for (const { partition, offset } of progress) redrivenUpTo.set(partition, offset ?? 0n);
  const entries = (await readToEnd(kafka, dlq, 'tributary.dlq-reader')).map(
    ({ partition, offset, key, value, headers: h }): DeadLetterEntry => ({
      partition,
      offset,
      key: key?.toString() ?? null,
      type: headerText(h, HEADERS.type),
      eventId: headerText(h, HEADERS.eventId),
      sourceTopic: headerText(h, DLQ_HEADERS.sourceTopic) ?? topic,
      sourcePartition: Number(headerText(h, DLQ_HEADERS.sourcePartition) ?? -1),
      sourceOffset: headerText(h, DLQ_HEADERS.sourceOffset) ?? '-1',
      processor: headerText(h, DLQ_HEADERS.processor) ?? '(unknown)',
      reason: headerText(h, DLQ_HEADERS.reason) ?? '(unknown)',
      error: headerText(h, DLQ_HEADERS.error) ?? '',
      attempts: Number(headerText(h, DLQ_HEADERS.attempts) ?? 0),
      failedAt: headerText(h, DLQ_HEADERS.failedAt) ?? '',
      redriven: BigInt(offset) < (redrivenUpTo.get(partition) ?? 0n),
      value,
      headers: h,
    }),
  );
  return entries.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export interface RedriveResult {
  readonly sent: number;
  readonly unparked: number;
}

/**
 * Sends every dead letter not yet redriven back to its source topic, in order, each addressed
 * to the processor that failed on it (the others skip it), then unparks those keys and records
 * how far the redrive got. Run it once the cause is fixed.
 */
export async function redriveDeadLetters(kafka: KafkaConnection, pool: pg.Pool, topic: string): Promise<RedriveResult> {
  const pending = (await listDeadLetters(kafka, topic)).filter((entry) => !entry.redriven);
  if (pending.length === 0) return { sent: 0, unparked: 0 };
  // The same failure can be dead-lettered twice when a processor crashed right after sending it.
  const seen = new Set<string>();
  const unique = pending.filter((entry) => {
    const id = `${entry.processor}/${entry.sourceTopic}/${entry.sourcePartition}/${entry.sourceOffset}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });

  await sendRedrives(
    kafka,
    topic,
    unique.map((entry) => ({ ...entry, deadLetterOffset: entry.offset })),
  );

  let unparked = 0;
  await migrate(pool, 'runtime', RUNTIME_MIGRATIONS);
  const byProcessor = new Map<string, string[]>();
  for (const entry of unique)
    if (entry.key !== null) byProcessor.set(entry.processor, [...(byProcessor.get(entry.processor) ?? []), entry.key]);
  for (const [processor, keys] of byProcessor) unparked += await unparkKeys(pool, processor, topic, keys);

  const last = new Map<number, bigint>();
  for (const entry of pending) last.set(entry.partition, BigInt(entry.offset) + 1n);
  await withKafkaAdmin(kafka, (admin) =>
    admin.commitOffsets(
      progressGroup(topic),
      deadLetterTopic(topic),
      [...last].map(([partition, offset]) => ({ partition, offset })),
    ),
  );
  return { sent: unique.length, unparked };
}
