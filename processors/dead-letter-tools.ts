import type pg from 'pg';
import { OperatorError } from '../infra/errors.ts';
import { withKafkaAdmin } from '../infra/kafka/admin.ts';
import type { KafkaConnection } from '../infra/kafka/client.ts';
import { deadLetterTopic } from '../infra/kafka/topics.ts';
import { migrate } from '../infra/postgres/migrations.ts';
import { HEADERS } from '../producers/publisher.ts';
import { DLQ_HEADERS, headerText, sendRedrives, type RecordHeaders } from './runtime/dead-letters.ts';
import { readToEnd } from './runtime/read-to-end.ts';
import { inTransaction } from '../infra/postgres/transaction.ts';
import { discardsOf, recordDiscards, RUNTIME_MIGRATIONS, unparkKeys, type Discard } from './runtime/store.ts';

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
  /** Set aside for good by `dlq discard` (or `redrive --skip-undecodable`): why, by whom, when. */
  readonly discarded?: { readonly reason: string; readonly discardedBy: string; readonly discardedAt: Date };
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
}

const progressGroup = (topic: string) => `tributary.dlq-redrive.${topic}`;

/**
 * Every dead letter of a topic still within retention, oldest first; with `pool`, those
 * discarded say so (and are never pending).
 */
export async function listDeadLetters(
  kafka: KafkaConnection,
  topic: string,
  pool?: pg.Pool,
): Promise<DeadLetterEntry[]> {
  const dlq = deadLetterTopic(topic);
  const names = await withKafkaAdmin(kafka, (admin) => admin.topicNames());
  if (!names.includes(dlq))
    throw new OperatorError(
      `no dead-letter topic ${dlq}: ${topic} is ${names.includes(topic) ? 'a topic without one' : 'not a topic of this cluster'}; topics with dead letters: ${names
        .filter((name) => name.endsWith('.dlq'))
        .map((name) => name.slice(0, -'.dlq'.length))
        .sort()
        .join(', ')}`,
    );
  let discards: Awaited<ReturnType<typeof discardsOf>> = new Map();
  if (pool) {
    await migrate(pool, 'runtime', RUNTIME_MIGRATIONS);
    discards = await discardsOf(pool, topic);
  }
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
      // Discarded ones were never sent back, though a later redrive's progress passed them.
      redriven: !discards.has(`${partition}/${offset}`) && BigInt(offset) < (redrivenUpTo.get(partition) ?? 0n),
      ...(discards.has(`${partition}/${offset}`) ? { discarded: discards.get(`${partition}/${offset}`)! } : {}),
      value,
      headers: h,
    }),
  );
  return entries.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Neither redriven nor discarded: still waiting for someone to decide. */
export function isPending(entry: DeadLetterEntry): boolean {
  return !entry.redriven && entry.discarded === undefined;
}

export interface DiscardResult {
  readonly discarded: number;
  /** Keys that a discarded dead letter was blocking, now released. */
  readonly unparked: number;
}

/**
 * Sets pending dead letters aside for good, with a reason kept in an audit table
 * (`public.tributary_dead_letter_discards`) beside who did it: a poison record that can never
 * apply stops blocking its key (the key is released, so a redrive of what was parked behind it
 * goes through) and is never sent back. Nothing is deleted from the dead-letter topic.
 */
export async function discardDeadLetters(
  kafka: KafkaConnection,
  pool: pg.Pool,
  topic: string,
  choose: (entry: DeadLetterEntry) => boolean,
  reason: string,
  discardedBy: string,
): Promise<DiscardResult> {
  if (reason.trim().length === 0)
    throw new OperatorError('--reason: a discard needs a reason (kept with it, with who ran it)');
  const chosen = (await listDeadLetters(kafka, topic, pool)).filter((entry) => isPending(entry) && choose(entry));
  if (chosen.length === 0) return { discarded: 0, unparked: 0 };
  const discards: Discard[] = chosen.map((entry) => ({
    topic,
    dlqPartition: entry.partition,
    dlqOffset: entry.offset,
    processor: entry.processor,
    key: entry.key,
    sourcePartition: entry.sourcePartition,
    sourceOffset: entry.sourceOffset,
    reason,
    discardedBy,
  }));
  const unparked = await inTransaction(pool, (tx) => recordDiscards(tx, discards));
  return { discarded: chosen.length, unparked };
}

export interface RedriveResult {
  readonly sent: number;
  readonly unparked: number;
  /** Undecodable dead letters discarded instead of sent, with `skipUndecodable`. */
  readonly skipped: number;
}

export interface RedriveOptions {
  /** Discard the undecodable dead letters (they would only fail again) instead of sending them. */
  readonly skipUndecodable?: { readonly discardedBy: string };
}

/**
 * Sends every dead letter not yet redriven back to its source topic, in order, each addressed
 * to the processor that failed on it (the others skip it), then unparks those keys and records
 * how far the redrive got. Run it once the cause is fixed.
 */
export async function redriveDeadLetters(
  kafka: KafkaConnection,
  pool: pg.Pool,
  topic: string,
  options: RedriveOptions = {},
): Promise<RedriveResult> {
  let skipped = 0;
  let released = 0;
  if (options.skipUndecodable) {
    ({ discarded: skipped, unparked: released } = await discardDeadLetters(
      kafka,
      pool,
      topic,
      (entry) => entry.reason === 'undecodable',
      'undecodable: skipped by dlq redrive --skip-undecodable',
      options.skipUndecodable.discardedBy,
    ));
  }
  const pending = (await listDeadLetters(kafka, topic, pool)).filter(isPending);
  if (pending.length === 0) return { sent: 0, unparked: released, skipped };
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

  let unparked = released;
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
  return { sent: unique.length, unparked, skipped };
}
