import type { EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../../infra/logging/logger.ts';
import { quoteIdentifier } from '../../infra/postgres/migrations.ts';
import { inTransaction } from '../../infra/postgres/transaction.ts';
import { DecodeError } from '../../schemas/codec.ts';
import { headerText, REDRIVE_HEADERS, sendDeadLetter, type DeadLetterReason } from './dead-letters.ts';
import type { ConsumedEvent, Processor } from './processor.ts';
import { backoffDelay, isRetriable, type RetryPolicy } from './retry.ts';
import type { RunOptions, RuntimeDependencies } from './runner.ts';
import { firstSightings, lockCheckpoint, parkedKeys, parkKey, recordError, saveCheckpoint } from './store.ts';

export interface BatchContext {
  readonly processor: Processor;
  readonly deps: RuntimeDependencies;
  readonly logger: Logger;
  readonly policy: RetryPolicy;
  readonly options: RunOptions;
  readonly deadLetterProducer: Producer;
  readonly seek: (topic: string, partition: number, offset: string) => void;
}

/** An item of a batch: an event to apply, or a record to step over (a redrive meant for another processor). */
interface Item {
  readonly message: KafkaMessage;
  readonly consumed?: ConsumedEvent;
  readonly redriven: boolean;
}

type Outcome = { ok: true } | { ok: false; error: unknown; attempts: number };

/**
 * Kafka delivered records beyond the checkpoint: the checkpoint moved back under us (a replay
 * swapped in tables built to an earlier offset). The partition rewinds to the checkpoint.
 */
class CheckpointGap extends Error {
  override readonly name = 'CheckpointGap';
  constructor(readonly next: bigint) {
    super(`the checkpoint is at ${next}, behind the records delivered`);
  }
}

/**
 * Handles one fetched batch of one partition, in order: decode, apply in as large units as
 * succeed (the handler and the checkpoint in one transaction, then the Kafka commit), retry
 * with backoff, and dead-letter what still fails, parking its key.
 */
export function createBatchHandler(context: BatchContext): (payload: EachBatchPayload) => Promise<void> {
  const { processor, logger, policy, options, deadLetterProducer } = context;
  const { pool, codec, metrics } = context.deps;
  const name = processor.name;

  const rewinds = new Map<string, bigint>();
  /**
   * Moves a partition back to its checkpoint. Asked twice for the same offset, the records
   * below the first delivered one are gone (retention): the checkpoint moves up to them instead.
   */
  async function rewind(topic: string, partition: number, next: bigint, firstDelivered: string, log: Logger) {
    const at = `${topic}/${partition}`;
    if (rewinds.get(at) === next) {
      log.error(
        { from: next.toString(), to: firstDelivered },
        'records between the checkpoint and the first available offset are gone; moving on',
      );
      await saveCheckpoint(pool, name, topic, partition, BigInt(firstDelivered));
      rewinds.delete(at);
      context.seek(topic, partition, firstDelivered);
      return;
    }
    rewinds.set(at, next);
    log.info({ offset: next.toString() }, 'rewinding to the checkpoint');
    context.seek(topic, partition, next.toString());
  }

  return async function handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const log = logger.child({ topic, partition });

    // The batch's own commit, not consumer.commitOffsets: the latter silently drops the commit
    // once the consumer is stopping, which is exactly when SIGTERM needs it.
    const commitKafka = async (offset: string) => {
      resolveOffset(offset);
      await commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] }],
      });
    };

    const pause = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until && isRunning()) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
        await heartbeat();
      }
    };

    const attempt = async (work: () => Promise<void>): Promise<Outcome> => {
      for (let tries = 1; ; tries += 1) {
        try {
          await work();
          return { ok: true };
        } catch (error) {
          if (error instanceof CheckpointGap) throw error;
          if (!isRetriable(error) || tries >= policy.attempts) return { ok: false, error, attempts: tries };
          metrics.retries.inc({ processor: name, topic });
          log.warn({ err: error, attempt: tries }, 'handler failed; retrying');
          await pause(backoffDelay(tries, policy));
          if (!isRunning()) throw error; // stopping: leave it uncommitted, it is handled again later
        }
      }
    };

    /** Applies items in one unit: the handler, then the checkpoint or the Kafka commit. */
    const apply = async (items: readonly Item[]) => {
      const last = items.at(-1)!.message.offset;
      const events = items.flatMap((item) => (item.consumed ? [item.consumed] : []));
      if (processor.mode === 'checkpointed') {
        const fresh = await inTransaction(pool, async (tx) => {
          if (processor.schema) await tx.query(`set local search_path to ${quoteIdentifier(processor.schema)}, public`);
          const { next, stored } = await lockCheckpoint(tx, name, topic, partition);
          if (stored && BigInt(items[0]!.message.offset) > next) throw new CheckpointGap(next);
          let fresh = events.filter((e) => BigInt(e.offset) >= next);
          if (processor.dedupeByEventId && fresh.length > 0) {
            const unseen = await firstSightings(
              tx,
              name,
              fresh.map((e) => e.event.metadata.eventId),
            );
            // A set also drops a repeat within this very batch: the first occurrence is applied.
            fresh = fresh.filter((e) => unseen.delete(e.event.metadata.eventId));
          }
          if (fresh.length > 0) await processor.handle(fresh, { processor: name, logger: log, tx });
          if (BigInt(last) + 1n > next) await saveCheckpoint(tx, name, topic, partition, BigInt(last) + 1n);
          return fresh;
        });
        metrics.events.inc({ processor: name, topic, outcome: 'applied' }, fresh.length);
        metrics.events.inc({ processor: name, topic, outcome: 'skipped' }, items.length - fresh.length);
        await options.afterPostgresCommit?.();
      } else {
        if (events.length > 0) await processor.handle(events, { processor: name, logger: log });
        metrics.events.inc({ processor: name, topic, outcome: 'applied' }, events.length);
        metrics.events.inc({ processor: name, topic, outcome: 'skipped' }, items.length - events.length);
      }
      await commitKafka(last);
    };

    /** Sends a record to the dead-letter topic, then records that it is dealt with (and parks its key). */
    const deadLetter = async (
      message: KafkaMessage,
      reason: DeadLetterReason,
      error: unknown,
      attempts: number,
      park: boolean,
    ) => {
      const text = error instanceof Error ? error.message : String(error);
      const deadLetterOffset = await sendDeadLetter(deadLetterProducer, {
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
      log.error(
        { offset: message.offset, key: message.key?.toString(), reason, attempts, err: error },
        'dead-lettered',
      );
      if (reason !== 'parked')
        await recordError(pool, { processor: name, error: text, topic, partition, offset: message.offset });
      const key = message.key?.toString();
      const parking =
        park && key !== undefined
          ? { processor: name, topic, key, partition, deadLetterOffset, reason: text.slice(0, 500) }
          : undefined;
      if (processor.mode === 'checkpointed') {
        await inTransaction(pool, async (tx) => {
          const { next, stored } = await lockCheckpoint(tx, name, topic, partition);
          if (stored && BigInt(message.offset) > next) throw new CheckpointGap(next);
          if (BigInt(message.offset) >= next) {
            if (parking) await parkKey(tx, parking);
            await saveCheckpoint(tx, name, topic, partition, BigInt(message.offset) + 1n);
          }
        });
      } else if (parking) {
        await parkKey(pool, parking);
      }
      await commitKafka(message.offset);
    };

    const flush = async (items: Item[]) => {
      if (items.length === 0) return;
      const parked = await parkedKeys(pool, name, topic);
      const blocked = (item: Item) =>
        item.consumed !== undefined && !item.redriven && item.consumed.key !== null && parked.has(item.consumed.key);

      let known: Outcome | undefined;
      if (!items.some(blocked)) {
        known = await attempt(() => apply(items));
        if (known.ok) return;
        if (items.length > 1) known = undefined; // find the culprit one event at a time
      }
      for (const item of items) {
        if (blocked(item)) {
          const key = item.consumed!.key;
          await deadLetter(
            item.message,
            'parked',
            new Error(`key ${key} is parked behind an earlier dead letter of ${name}`),
            0,
            false,
          );
          continue;
        }
        const outcome = known ?? (await attempt(() => apply([item])));
        if (!outcome.ok) {
          await deadLetter(item.message, 'failed', outcome.error, outcome.attempts, true);
          if (item.consumed?.key) parked.add(item.consumed.key);
        }
      }
    };

    let pending: Item[] = [];
    let lastSeen: string | undefined;
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        lastSeen = message.offset;
        const redriveFor = headerText(message.headers, REDRIVE_HEADERS.processor);
        if (redriveFor !== undefined && redriveFor !== name) {
          pending.push({ message, redriven: false });
          continue;
        }
        try {
          const event = await codec.decode(message.value);
          const consumed: ConsumedEvent = {
            event,
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
          };
          pending.push({ message, consumed, redriven: redriveFor === name });
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error; // the registry unreachable: kafkajs retries the batch
          await flush(pending);
          pending = [];
          await deadLetter(message, 'undecodable', error, 1, true);
        }
      }
      await flush(pending);
    } catch (error) {
      if (!(error instanceof CheckpointGap)) throw error;
      await rewind(topic, partition, error.next, batch.messages[0]!.offset, log);
      return;
    }
    if (lastSeen !== undefined) {
      const lag = Number(BigInt(batch.highWatermark) - BigInt(lastSeen) - 1n);
      metrics.lag.set({ processor: name, topic, partition: String(partition) }, Math.max(0, lag));
    }
  };
}
