import type { EachBatchPayload } from 'kafkajs';
import type { BatchContext, PartitionBatch } from './batch-context.ts';
import { decodeItem, type Item } from './batch-items.ts';
import { CheckpointGap, createRewind } from './checkpoint-gap.ts';
import { deadLetterRecord } from './dead-letter-record.ts';
import { flushItems } from './flush-items.ts';
import { PartitionApplies } from './partition-applies.ts';
import { isLostMembership } from './retry.ts';
import { saveCheckpoint } from './store.ts';
import { withKafkaAdmin } from '../../infra/kafka/admin.ts';

export type { BatchContext } from './batch-context.ts';

const STALE_CHECK_EVERY = 64;
/** About a quarter of a millisecond of decoding: how long a reply from Postgres may wait for the event loop. */
const YIELD_EVERY = 16;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How a running processor handles its batches, and what its consumer's life tells it. */
export interface BatchHandling {
  /** kafkajs's eachBatch. */
  handleBatch(payload: EachBatchPayload): Promise<void>;
  /** The consumer joined a new generation of its group: batches decoded before it are dropped. */
  joined(): void;
  /**
   * From now on every apply runs inside the batch handler (so the consumer's disconnect waits for
   * it); resolves once none handed off earlier is still running. Called when stopping, while the
   * consumer is still connected, so those applies' Kafka commits are made.
   */
  finish(): Promise<void>;
}

/**
 * Handles one fetched batch of one partition, in order: decode, apply in as large units as
 * succeed (the handler and the checkpoint in one transaction, then the Kafka commit), retry
 * with backoff, and dead-letter what still fails, parking its key. A checkpoint gap rewinds
 * the partition to the checkpoint.
 *
 * A checkpointed processor hands a decoded batch's apply off and returns, so kafkajs fetches, and
 * the next batch decodes, while Postgres applies this one (one apply at most per partition,
 * partition-applies.ts): its offsets are resolved at the hand-off, and its Kafka commit follows
 * its transaction. Exactly once still rests on the checkpoint inside each transaction. An apply
 * that fails seeks its partition back to its first record (a gap: to the checkpoint), what was
 * decoded meanwhile is dropped, and the partition's next batch raises the failure, as the batch
 * itself would have. A batch with an undecodable record, and every batch once stopping, is
 * applied in the handler as before.
 */
export function createBatchHandling(context: BatchContext): BatchHandling {
  const { processor, logger } = context;
  const { pool, codec, metrics } = context.deps;
  const name = processor.name;
  const rewind = createRewind({
    async earliestOffset(topic, partition) {
      const ranges = await withKafkaAdmin(context.deps.kafka, (admin) => admin.topicOffsets(topic));
      return ranges.find((range) => range.partition === partition)?.low ?? 0n;
    },
    moveCheckpoint: (topic, partition, next) => saveCheckpoint(pool, name, topic, partition, next),
    seek: context.seek,
  });
  const applies = new PartitionApplies();
  let handingOff = processor.mode === 'checkpointed';
  // The partitions of a fetch decode one after the other, each giving the event loop a turn every
  // few records: the one decoded first then has its transaction run by Postgres while the next
  // decodes. Decoding side by side, they would all finish together and then all wait for Postgres
  // (kafkajs fetches again only once every batch of a fetch is handled).
  let decoding: Promise<void> = Promise.resolve();

  async function handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const at = `${topic}/${partition}`;
    const epoch = applies.epochOf(at);
    const failure = applies.take(at);
    if (failure !== undefined) throw failure;
    const log = logger.child({ topic, partition });
    const source = { processor: name, topic, partition, codec };
    const commit = (offset: string) =>
      commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] }],
      });
    const inHandler: PartitionBatch = {
      topic,
      partition,
      log,
      isRunning,
      heartbeat,
      // The batch's own commit, not consumer.commitOffsets: the latter silently drops the commit
      // once the consumer is stopping, which is exactly when SIGTERM needs it.
      async commitKafka(offset: string) {
        resolveOffset(offset);
        await commit(offset);
      },
    };
    // Handed off, the batch's offsets are already resolved: resolving an earlier one again would
    // send the fetch position back. Stopping ends its retries, as it ends the handler's.
    const handedOff: PartitionBatch = {
      ...inHandler,
      isRunning: () => handingOff && isRunning(),
      commitKafka: commit,
    };
    // Applies of this batch run in the handler from the first record that cannot be handed off,
    // once the partition's apply handed off earlier has ended (false: it failed, and sought back).
    let inline = false;
    const goInline = async () => {
      if (!inline) {
        inline = true;
        await applies.settled(at);
      }
      return applies.epochOf(at) === epoch;
    };

    const recordLag = (lastSeen: string) => {
      const lag = Number(BigInt(batch.highWatermark) - BigInt(lastSeen) - 1n);
      metrics.lag.set({ processor: name, topic, partition: String(partition) }, Math.max(0, lag));
    };
    const handOff = (items: readonly Item[], lastSeen: string) => {
      const first = items[0]!.message.offset;
      resolveOffset(lastSeen);
      applies.start(
        at,
        () => flushItems(context, handedOff, items),
        async (error) => {
          if (error instanceof CheckpointGap) {
            await rewind(topic, partition, error.next, log);
            return undefined;
          }
          // Its records are fetched again: from the first, or, if the seek is lost (the consumer
          // restarting), from past them, which the next apply finds a checkpoint gap and rewinds.
          // What is at or below the checkpoint is skipped either way.
          try {
            context.seek(topic, partition, first);
          } catch (seekError) {
            log.warn(
              { err: seekError, offset: first },
              'could not seek back; the next apply will rewind to the checkpoint',
            );
          }
          // Stopping (or kafkajs restarting the consumer): left uncommitted, handled again later.
          if (!handedOff.isRunning() || isLostMembership(error)) return undefined;
          log.warn(
            { err: error, offset: first },
            'a handed-off apply failed; the partition goes back to its first record',
          );
          return error;
        },
      );
      recordLag(lastSeen);
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
        if (!(await goInline())) return; // an earlier apply failed: fetched again from its seek
        await flushItems(context, inHandler, pending);
        pending = [];
        await deadLetterRecord(context, inHandler, {
          message,
          reason: 'undecodable',
          error: decoded.undecodable,
          attempts: 1,
          park: processor.parkKeys !== false,
        });
      }
      endTurn();
      if (!inline && handingOff && pending.length > 0) {
        await applies.settled(at);
        if (applies.epochOf(at) !== epoch || isStale()) return; // fetched again from the seek
        // Still handing off once the partition's previous apply has ended (not stopping meanwhile).
        if (handingOff) {
          handOff(pending, lastSeen!);
          return;
        }
      }
      if (!(await goInline())) return;
      await flushItems(context, inHandler, pending);
    } catch (error) {
      endTurn();
      if (!(error instanceof CheckpointGap)) throw error;
      await rewind(topic, partition, error.next, log);
      return;
    }
    if (lastSeen !== undefined) recordLag(lastSeen);
  }

  return {
    handleBatch,
    joined: () => applies.endEveryEpoch(),
    async finish() {
      handingOff = false;
      await applies.drained();
    },
  };
}
