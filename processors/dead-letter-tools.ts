import { createIdempotentProducer } from '../infra/kafka/client.ts';
import type { IHeaders, Kafka } from 'kafkajs';
import type pg from 'pg';
import { deadLetterTopic } from '../infra/kafka/topics.ts';
import { DLQ_HEADERS, headerText, REDRIVE_HEADERS } from './runtime/dead-letters.ts';
import { migrate } from '../infra/postgres/migrations.ts';
import { RUNTIME_MIGRATIONS, unparkKeys } from './runtime/store.ts';
import { HEADERS } from '../producers/publisher.ts';

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
  readonly headers: IHeaders;
}

const progressGroup = (topic: string) => `tributary.dlq-redrive.${topic}`;

/** Every dead letter of a topic still within retention, oldest first. */
export async function listDeadLetters(kafka: Kafka, topic: string): Promise<DeadLetterEntry[]> {
  const dlq = deadLetterTopic(topic);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(dlq);
    const redrivenUpTo = new Map<number, bigint>();
    for (const { partitions } of await admin.fetchOffsets({ groupId: progressGroup(topic), topics: [dlq] })) {
      for (const p of partitions) redrivenUpTo.set(p.partition, BigInt(p.offset === '-1' ? '0' : p.offset));
    }
    const entries: DeadLetterEntry[] = [];
    const consumer = kafka.consumer({ groupId: `tributary.dlq-reader.${process.pid}.${Date.now()}` });
    const wanted = ends.filter((p) => BigInt(p.high) > BigInt(p.low));
    if (wanted.length === 0) return [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: dlq, fromBeginning: true });
      const remaining = new Set(wanted.map((p) => p.partition));
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const end = BigInt(wanted.find((p) => p.partition === partition)?.high ?? '0');
              const h = message.headers ?? {};
              entries.push({
                partition,
                offset: message.offset,
                key: message.key?.toString() ?? null,
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
                redriven: BigInt(message.offset) < (redrivenUpTo.get(partition) ?? 0n),
                value: message.value,
                headers: h,
              });
              if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return entries.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await admin.disconnect();
  }
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
export async function redriveDeadLetters(kafka: Kafka, pool: pg.Pool, topic: string): Promise<RedriveResult> {
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

  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: unique.map((entry) => {
        const headers: IHeaders = { ...entry.headers };
        for (const name of Object.values(DLQ_HEADERS)) delete headers[name];
        headers[REDRIVE_HEADERS.processor] = entry.processor;
        headers[REDRIVE_HEADERS.deadLetterOffset] = entry.offset;
        return { key: entry.key, value: entry.value, headers };
      }),
    });
  } finally {
    await producer.disconnect();
  }

  let unparked = 0;
  await migrate(pool, 'runtime', RUNTIME_MIGRATIONS);
  const byProcessor = new Map<string, string[]>();
  for (const entry of unique)
    if (entry.key !== null) byProcessor.set(entry.processor, [...(byProcessor.get(entry.processor) ?? []), entry.key]);
  for (const [processor, keys] of byProcessor) unparked += await unparkKeys(pool, processor, topic, keys);

  const admin = kafka.admin();
  await admin.connect();
  try {
    const last = new Map<number, bigint>();
    for (const entry of pending) last.set(entry.partition, BigInt(entry.offset) + 1n);
    await admin.setOffsets({
      groupId: progressGroup(topic),
      topic: deadLetterTopic(topic),
      partitions: [...last].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
    });
  } finally {
    await admin.disconnect();
  }
  return { sent: unique.length, unparked };
}
