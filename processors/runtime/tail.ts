import { randomUUID } from 'node:crypto';
import type { EachMessagePayload } from 'kafkajs';
import { partitionOf } from '../../producers/partition.ts';
import { restartOnCrash } from './restart-on-crash.ts';
import { createIdempotentProducer, type KafkaConnection } from '../../infra/kafka/client.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { DecodeError, type EventCodec } from '../../schemas/codec.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { sendDeadLetter, type DeadLetterReason, type RecordHeaders } from './dead-letters.ts';
import { backoffDelay, type RetryPolicy } from './retry.ts';

/** A record as a tail reads it: raw, with where it sits. */
export interface TailedRecord {
  readonly partition: number;
  /** Kafka offset, as a decimal string. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
}

/** A decoded event as a tail reads it, with where it sits. */
export interface TailedEvent {
  readonly partition: number;
  readonly offset: string;
  readonly event: TributaryEvent;
}

export interface Tail {
  /** Resolves once the consumer has joined its group and received its partitions. */
  readonly ready: Promise<void>;
  /** Leaves the group and disconnects. */
  stop(): Promise<void>;
}

export interface TailOptions {
  readonly topic: string;
  /** The group id's prefix; a random suffix makes the group this tail's own. */
  readonly group: string;
  /** Called once per record, one at a time, in offset order within a partition. */
  readonly onRecord: (record: TailedRecord) => Promise<void> | void;
}

/**
 * Follows a topic from the start of its retention with a throwaway consumer group, so the tail
 * sees every record whatever other readers did; nothing is committed that matters to anyone.
 * For readers that keep no position of their own: an API instance's in-memory feed, a tool
 * reading a dead-letter topic.
 */
export async function tailTopic(kafka: KafkaConnection, { topic, group, onRecord }: TailOptions): Promise<Tail> {
  const consumer = kafka.consumer({ groupId: `${group}.${randomUUID()}`, allowAutoTopicCreation: false });
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  // The group's commits are best-effort (auto-commit every few seconds): after a rejoin (a broker
  // restarted, the session timed out) kafkajs resumes from the last commit, behind what was
  // already handed on. A reader that keeps what it read (the realtime feed delivers it to live
  // sockets) must get each offset once, so what is at or below what was handled is skipped.
  const next = new Map<number, bigint>();
  const runConfig = {
    eachMessage: async ({ partition, message }: EachMessagePayload) => {
      const offset = BigInt(message.offset);
      if (offset < (next.get(partition) ?? 0n)) return;
      await onRecord({
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers ?? {},
      });
      next.set(partition, offset + 1n);
    },
  };
  // A tail that stops reading while its process serves would be silent loss.
  const endRestarts = restartOnCrash(consumer, runConfig);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run(runConfig);
  } catch (error) {
    endRestarts();
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
  return {
    ready,
    stop: () => {
      endRestarts();
      return consumer.disconnect();
    },
  };
}

export interface EventTailOptions {
  readonly topic: string;
  readonly group: string;
  readonly codec: EventCodec;
  /** Where an undecodable record is reported before it is skipped. */
  readonly logger: Logger;
  /**
   * Throwing refuses the event: with `deadLetters` it is dead-lettered (reason `failed`) and the
   * tail goes on; without, the error stops the tail's consumer, as any consumer error does.
   */
  readonly onEvent: (tailed: TailedEvent) => Promise<void> | void;
  /**
   * Send the records this reader cannot use to `<topic>.dlq` (reason `undecodable`, or `failed`
   * when `onEvent` throws), under this processor name, and go on with the next one.
   */
  readonly deadLetters?: { readonly processor: string };
}

/** How a tail waits for the schema registry to come back: as long as it takes, tries at most 5 s apart. */
const REGISTRY_WAIT: RetryPolicy = { attempts: Infinity, initialDelayMs: 200, maxDelayMs: 5_000 };

/**
 * `tailTopic`, decoding each record into a typed event. A record that cannot be decoded is
 * skipped with a warning, and dead-lettered first when `deadLetters` is given. A record whose
 * schema cannot be fetched because the registry is unreachable is not at fault: the tail waits
 * for the registry (a warning per try) and then decodes it.
 */
export async function tailEvents(kafka: KafkaConnection, options: EventTailOptions): Promise<Tail> {
  const { topic, group, codec, logger, onEvent, deadLetters } = options;
  let stopping = false;
  let wake = () => undefined as void;
  const decode = async (record: TailedRecord): Promise<TributaryEvent> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await codec.decode(record.value);
      } catch (error) {
        // Only a DecodeError is about the record; stopping leaves the record to the next reader.
        if (error instanceof DecodeError || stopping) throw error;
        const delayMs = backoffDelay(attempt, REGISTRY_WAIT);
        logger.warn(
          { err: error, topic, partition: record.partition, offset: record.offset, attempt, delayMs },
          "cannot fetch the record's schema (the schema registry unreachable?); waiting to decode it",
        );
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, delayMs);
        });
      }
    }
  };
  const producer = deadLetters ? createIdempotentProducer(kafka) : undefined;
  await producer?.connect();
  const refuse = async (record: TailedRecord, reason: DeadLetterReason, error: unknown) => {
    const where = { err: error, topic, partition: record.partition, offset: record.offset };
    if (!producer || !deadLetters) {
      logger.warn(where, 'skipping an undecodable record');
      return;
    }
    const { key, value, headers, offset } = record;
    await sendDeadLetter(producer, {
      processor: deadLetters.processor,
      topic,
      partition: record.partition,
      message: { key, value, headers, offset, timestamp: String(Date.now()), attributes: 0 },
      reason,
      error: error instanceof Error ? error.message : String(error),
      errorClass: error instanceof Error ? error.name : typeof error,
      attempts: 1,
    });
    logger.warn({ ...where, reason }, 'dead-lettered a record and went on');
  };
  try {
    const tail = await tailTopic(kafka, {
      topic,
      group,
      async onRecord(record) {
        let event: TributaryEvent;
        try {
          event = await decode(record);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error; // stopping
          await refuse(record, 'undecodable', error);
          return;
        }
        if (!producer) return onEvent({ partition: record.partition, offset: record.offset, event });
        try {
          await onEvent({ partition: record.partition, offset: record.offset, event });
        } catch (error) {
          await refuse(record, 'failed', error);
        }
      },
    });
    return {
      ready: tail.ready,
      stop: async () => {
        stopping = true;
        wake();
        await tail.stop();
        await producer?.disconnect();
      },
    };
  } catch (error) {
    await producer?.disconnect().catch(() => undefined);
    throw error;
  }
}

/**
 * The partition the publisher puts a key's records on, among `partitions` (the Java client's
 * murmur2, as every Tributary producer uses): what a reader of a keyed topic needs to know where
 * one key's records are, e.g. the realtime feed asked to resume an organization's notifications.
 */
export function keyPartition(key: string, partitions: number): number {
  return partitionOf(key, partitions);
}
