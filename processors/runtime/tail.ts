import { randomUUID } from 'node:crypto';
import type { KafkaConnection } from '../../infra/kafka/client.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import type { EventCodec } from '../../schemas/codec.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { RecordHeaders } from './dead-letters.ts';

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
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) =>
        onRecord({
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
        }),
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
  return { ready, stop: () => consumer.disconnect() };
}

export interface EventTailOptions {
  readonly topic: string;
  readonly group: string;
  readonly codec: EventCodec;
  /** Where an undecodable record is reported before it is skipped. */
  readonly logger: Logger;
  readonly onEvent: (tailed: TailedEvent) => Promise<void> | void;
}

/** `tailTopic`, decoding each record into a typed event; a record that cannot be decoded is skipped with a warning. */
export function tailEvents(kafka: KafkaConnection, options: EventTailOptions): Promise<Tail> {
  const { topic, group, codec, logger, onEvent } = options;
  return tailTopic(kafka, {
    topic,
    group,
    async onRecord({ partition, offset, value }) {
      let event: TributaryEvent;
      try {
        event = await codec.decode(value);
      } catch (error) {
        logger.warn({ err: error, topic, partition, offset }, 'skipping an undecodable record');
        return;
      }
      await onEvent({ partition, offset, event });
    },
  });
}
