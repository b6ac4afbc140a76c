import type { EachBatchPayload } from 'kafkajs';
import type { BatchContext, PartitionBatch } from './batch-context.ts';
import { decodeItem, type Item } from './batch-items.ts';
import { CheckpointGap, createRewind } from './checkpoint-gap.ts';
import { deadLetterRecord } from './dead-letter-record.ts';
import { flushItems } from './flush-items.ts';
import { parkedKeys } from './store.ts';

export type { BatchContext } from './batch-context.ts';

const STALE_CHECK_EVERY = 64;
/** About a quarter of a millisecond of decoding: how long a reply from Postgres may wait for the loop. */
const YIELD_EVERY = 16;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Handles one fetched batch of one partition, in order: decode, apply in as large units as
 * succeed (the handler and the checkpoint in one transaction, then the Kafka commit), retry
 * with backoff, and dead-letter what still fails, parking its key. A checkpoint gap rewinds
 * the partition to the checkpoint. A processor with a `unitSize` has its batch applied in units
 * of that many records, each applied while the next is decoded (kafkajs fetches again only once
 * every batch of a fetch is handled, so this is the only overlap of decoding and Postgres).
 */
export function createBatchHandler(context: BatchContext): (payload: EachBatchPayload) => Promise<void> {
  const { processor, logger } = context;
  const { pool, codec, metrics } = context.deps;
  const name = processor.name;
  const rewind = createRewind(pool, name, context.seek);

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
    const source = { processor: name, topic, partition, codec };
    const partitionBatch: PartitionBatch = {
      topic,
      partition,
      log,
      isRunning,
      heartbeat,
      // The batch's own commit, not consumer.commitOffsets: the latter silently drops the commit
      // once the consumer is stopping, which is exactly when SIGTERM needs it.
      async commitKafka(offset: string) {
        resolveOffset(offset);
        await commitOffsetsIfNecessary({
          topics: [{ topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] }],
        });
      },
    };

    // Units go to Postgres one after the other, each while the records after it are decoded:
    // `applying` is the chain of the units handed over, and a failed unit stops the ones after it.
    const unitSize = processor.mode === 'checkpointed' ? (processor.unitSize ?? Infinity) : Infinity;
    // Read once for the batch's units, and again after a record of it is dead-lettered here
    // (its key parked in Postgres only).
    let parked: Promise<Set<string>> | undefined;
    const parkedOfBatch = () => (parked ??= parkedKeys(pool, name, topic));
    let applying: Promise<void> = Promise.resolve();
    let failed = false;
    const apply = (items: Item[]) => {
      if (items.length === 0) return;
      applying = applying.then(() => flushItems(context, partitionBatch, items, parkedOfBatch));
      applying.catch(() => (failed = true));
    };
    let pending: Item[] = [];
    let lastSeen: string | undefined;
    try {
      for (let index = 0; index < batch.messages.length; index += 1) {
        const message = batch.messages[index]!;
        // kafkajs's isStale builds a JSON key per call, a few percent of a large batch's decoding
        // when asked for every record: every 64th record stops early enough, and what was decoded
        // before a seek is behind the checkpoint check anyway.
        if (index % STALE_CHECK_EVERY === 0 && (failed || !isRunning() || isStale())) break;
        // Decoding is one synchronous stretch per batch: without a turn of the event loop now and
        // then, the units in flight (this partition's and the other partitions') would wait for
        // each reply from Postgres until the whole batch was decoded, a round trip per batch.
        if (index > 0 && index % YIELD_EVERY === 0) await yieldToIo();
        lastSeen = message.offset;
        let decoded = decodeItem(message, source);
        if (decoded instanceof Promise) decoded = await decoded;
        if ('item' in decoded) {
          pending.push(decoded.item);
          if (pending.length >= unitSize) {
            apply(pending);
            pending = [];
          }
          continue;
        }
        apply(pending);
        pending = [];
        await applying;
        await deadLetterRecord(context, partitionBatch, {
          message,
          reason: 'undecodable',
          error: decoded.undecodable,
          attempts: 1,
          park: processor.parkKeys !== false,
        });
        parked = undefined;
      }
      if (!failed) apply(pending);
      await applying;
    } catch (error) {
      // Whatever failed, no unit of this batch is still running when kafkajs hears of it.
      await applying.catch(() => undefined);
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
