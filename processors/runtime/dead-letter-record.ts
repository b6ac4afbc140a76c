import type { KafkaMessage } from 'kafkajs';
import { inTransaction } from '../../infra/postgres/transaction.ts';
import type { BatchContext, PartitionBatch } from './batch-context.ts';
import { CheckpointGap } from './checkpoint-gap.ts';
import { sendDeadLetter, type DeadLetterReason } from './dead-letters.ts';
import { lockCheckpoint, parkKey, recordError, saveCheckpoint } from './store.ts';

/** The parked key's dead-letter offset when none was sent (a dry-run rebuild's). */
const NOT_SENT = '-1';

export interface DeadLetterRequest {
  readonly message: KafkaMessage;
  readonly reason: DeadLetterReason;
  readonly error: unknown;
  readonly attempts: number;
  /** Park the record's key, so later events of the same aggregate follow it to the dead letters. */
  readonly park: boolean;
}

/**
 * Sends a record to the dead-letter topic, then records that it is dealt with: its error (for
 * `projections status`), its key parked, and the checkpoint moved past it in one transaction;
 * then the Kafka commit. Returns false when the record was stepped over instead (an operator of
 * the processor this one follows discarded it): nothing sent, its key not parked.
 */
export async function deadLetterRecord(
  context: BatchContext,
  batch: PartitionBatch,
  { message, reason, error, attempts, park }: DeadLetterRequest,
): Promise<boolean> {
  const { processor, deadLetterProducer } = context;
  const { pool, metrics } = context.deps;
  const { name } = processor;
  const { topic, partition, log } = batch;
  const text = error instanceof Error ? error.message : String(error);
  if (processor.followsDiscardsOf && (await wasDiscarded(pool, processor.followsDiscardsOf, batch, message.offset))) {
    log.info(
      { offset: message.offset, reason, followed: processor.followsDiscardsOf },
      'stepped over: discarded from the dead letters of the processor this one follows',
    );
    await passRecord(context, batch, message.offset);
    return false;
  }
  const told = context.options.deadLetters;
  let deadLetterOffset: string;
  if (told) {
    // Told, not sent (a dry run): everything else happens as for a dead letter (the key parked,
    // the checkpoint past it), so the rebuild goes on exactly as a real one would.
    told({ topic, partition, offset: message.offset, reason, error: text });
    log.warn({ offset: message.offset, reason, attempts, err: error }, 'would be dead-lettered (not sent)');
    deadLetterOffset = NOT_SENT;
  } else {
    deadLetterOffset = await sendDeadLetter(deadLetterProducer, {
      processor: name,
      topic,
      partition,
      message,
      reason,
      error: text,
      errorClass: error instanceof Error ? error.name : typeof error,
      attempts,
    });
    metrics.deadLetters.inc({ processor: name, topic, reason });
    metrics.events.inc({ processor: name, topic, outcome: 'dead_lettered' });
    log.error({ offset: message.offset, key: message.key?.toString(), reason, attempts, err: error }, 'dead-lettered');
  }
  if (reason !== 'parked')
    await recordError(pool, { processor: name, error: text, topic, partition, offset: message.offset });
  const key = message.key?.toString();
  const parking =
    park && key !== undefined
      ? { processor: name, topic, key, partition, deadLetterOffset, reason: text.slice(0, 500) }
      : undefined;
  await passRecord(context, batch, message.offset, parking);
  return true;
}

/**
 * Moves the checkpoint past the record at `offset` (parking its key with it, when given), in one
 * transaction for a checkpointed processor, then commits it to Kafka.
 */
async function passRecord(
  context: BatchContext,
  batch: PartitionBatch,
  offset: string,
  parking?: Parameters<typeof parkKey>[1],
): Promise<void> {
  const { pool } = context.deps;
  const { name } = context.processor;
  const { topic, partition } = batch;
  if (context.processor.mode === 'checkpointed') {
    await inTransaction(pool, async (tx) => {
      const { next, stored } = await lockCheckpoint(tx, name, topic, partition);
      if (stored && BigInt(offset) > next) throw new CheckpointGap(next);
      if (BigInt(offset) >= next) {
        if (parking) await parkKey(tx, parking);
        await saveCheckpoint(tx, name, topic, partition, BigInt(offset) + 1n);
      }
    });
  } else if (parking) {
    await parkKey(pool, parking);
  }
  await batch.commitKafka(offset);
}

/** Whether an operator discarded `processor`'s dead letter of the record at `offset` of the batch's partition. */
async function wasDiscarded(
  pool: BatchContext['deps']['pool'],
  processor: string,
  batch: PartitionBatch,
  offset: string,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `select 1 from public.tributary_dead_letter_discards
      where processor = $1 and topic = $2 and source_partition = $3 and source_offset = $4`,
    [processor, batch.topic, batch.partition, offset],
  );
  return (rowCount ?? 0) > 0;
}
