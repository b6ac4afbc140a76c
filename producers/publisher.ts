import { createIdempotentProducer } from '../infra/kafka/client.ts';
import type { IHeaders, Kafka, Producer, RecordMetadata } from 'kafkajs';
import type { Logger } from '../infra/logging/logger.ts';
import type { EventCodec } from '../schemas/codec.ts';
import type { TributaryEvent } from '../schemas/generated/events.ts';

/** Where an event landed: what a command returns so a later read can wait for it. */
export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Headers every published record carries, so tools can route and trace without decoding. */
export const HEADERS = {
  type: 'tributary.type',
  eventId: 'tributary.event-id',
  correlationId: 'tributary.correlation-id',
} as const;

export interface Publisher {
  /** Validates, encodes and sends one event; resolves once every in-sync replica has it. */
  publish(event: TributaryEvent): Promise<Position>;
  /**
   * Sends several events in one request, each keyed by its aggregate. Nothing is sent unless
   * every event is valid. Resolves with one entry per topic-partition written.
   */
  publishBatch(events: readonly TributaryEvent[]): Promise<Position[]>;
  close(): Promise<void>;
}

/** The typed publisher: an idempotent producer with acks=all, over the event codec. */
export function createPublisher(kafka: Kafka, codec: EventCodec, logger: Logger): Publisher {
  const producer: Producer = createIdempotentProducer(kafka);
  let connected: Promise<void> | undefined;
  const ready = () => (connected ??= producer.connect());

  const toMessage = async (event: TributaryEvent) => {
    const { definition, key, value } = await codec.encode(event);
    const headers: IHeaders = {
      [HEADERS.type]: event.type,
      [HEADERS.eventId]: event.metadata.eventId,
      [HEADERS.correlationId]: event.metadata.correlationId,
    };
    return { topic: definition.route.topic, message: { key, value, headers } };
  };

  const positions = (metadata: RecordMetadata[]): Position[] =>
    metadata.map((m) => ({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' }));

  return {
    async publish(event) {
      const { topic, message } = await toMessage(event);
      await ready();
      const [written] = positions(await producer.send({ topic, acks: -1, messages: [message] }));
      if (!written)
        throw new Error(`the broker acknowledged ${event.type} ${event.metadata.eventId} without a position`);
      logger.debug(
        { correlationId: event.metadata.correlationId, eventId: event.metadata.eventId, type: event.type, ...written },
        'published',
      );
      return written;
    },

    async publishBatch(events) {
      if (events.length === 0) return [];
      // Encode (and so validate) all before sending any: a batch is accepted whole or not at all.
      const encoded = await Promise.all(events.map(toMessage));
      const byTopic = new Map<string, (typeof encoded)[number]['message'][]>();
      for (const { topic, message } of encoded) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      await ready();
      const written = positions(
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
      );
      logger.debug({ count: events.length, partitions: written.length }, 'published batch');
      return written;
    },

    async close() {
      if (connected) await producer.disconnect();
    },
  };
}
