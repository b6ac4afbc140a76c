import type { EachBatchPayload } from 'kafkajs';
import type { BatchContext, PartitionBatch } from './batch-context.ts';
import { decodeItem, type Item } from './batch-items.ts';
import { CheckpointGap, createRewind } from './checkpoint-gap.ts';
import { deadLetterRecord } from './dead-letter-record.ts';
import { flushItems } from './flush-items.ts';

export type { BatchContext } from './batch-context.ts';

const STALE_CHECK_EVERY = 64;
/** About a quarter of a millisecond of decoding: how long a reply from Postgres may wait for the event loop. */
const YIELD_EVERY = 16;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Handles one fetched batch of one partition, in order: decode, apply in as large units as
 * succeed (the handler and the checkpoint in one transaction, then the Kafka commit), retry
 * with backoff, and dead-letter what still fails, parking its key. A checkpoint gap rewinds
 * the partition to the checkpoint.
 */
export function createBatchHandler(context: BatchContext): (payload: EachBatchPayload) => Promise<void> {
  const { processor, logger } = context;
  const { pool, codec, metrics } = context.deps;
  const name = processor.name;
  const rewind = createRewind(pool, name, context.seek);
  // The partitions of a fetch decode one after the other, each giving the event loop a turn every
  // few records: the one decoded first then has its transaction run by Postgres while the next
  // decodes. Decoding side by side, they would all finish together and then all wait for Postgres
  // (kafkajs fetches again only once every batch of a fetch is handled).
  let decoding: Promise<void> = Promise.resolve();

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

    let pending: Item[] = [];
    let lastSeen: string | undefined;
    const turn = decoding;
    let endTurn: () => void = () => undefined;
    decoding = new Promise((resolve) => (endTurn = resolve));
    try {
      await turn;
      for (let index = 0; index < batch.messages.length; index += 1) {
        const message = batch.messages[index]!;
        // kafkajs's isStale builds a JSON key per call, a few percent of a large batch's decoding
        // when asked for every record: every 64th record stops early enough, and what was decoded
        // before a seek is behind the checkpoint check anyway.
        if (index % STALE_CHECK_EVERY === 0 && (!isRunning() || isStale())) break;
        // Without a turn of the event loop now and then, the other partitions' transactions would
        // wait for each reply from Postgres until this whole batch was decoded.
        if (index > 0 && index % YIELD_EVERY === 0) await yieldToIo();
        lastSeen = message.offset;
        let decoded = decodeItem(message, source);
        if (decoded instanceof Promise) decoded = await decoded;
        if ('item' in decoded) {
          pending.push(decoded.item);
          continue;
        }
        // A unit may now retry with backoff: the other partitions do not wait for that to decode.
        endTurn();
        await flushItems(context, partitionBatch, pending);
        pending = [];
        await deadLetterRecord(context, partitionBatch, {
          message,
          reason: 'undecodable',
          error: decoded.undecodable,
          attempts: 1,
          park: processor.parkKeys !== false,
        });
      }
      endTurn();
      await flushItems(context, partitionBatch, pending);
    } catch (error) {
      endTurn();
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
