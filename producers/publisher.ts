import kafkajs, { type IHeaders, type Producer } from 'kafkajs';
import { KafkaAdmin } from '../infra/kafka/admin.ts';
import { createIdempotentProducer, type KafkaConnection } from '../infra/kafka/client.ts';
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
   * every event is valid. Resolves with each event's position, in the order given.
   */
  publishBatch(events: readonly TributaryEvent[]): Promise<Position[]>;
  close(): Promise<void>;
}

const PARTITION_COUNT_TTL_MS = 60_000;

/**
 * The typed publisher: an idempotent producer with acks=all, over the event codec. It picks each
 * record's partition itself, with the Java client's murmur2 partitioner (what Kafka would pick),
 * so it can tell every event's exact position, batches included.
 */
export function createPublisher(kafka: KafkaConnection, codec: EventCodec, logger: Logger): Publisher {
  const producer: Producer = createIdempotentProducer(kafka);
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const partitionCounts = new Map<string, { count: number; at: number }>();
  let connected: Promise<void> | undefined;
  const admin = new KafkaAdmin(kafka);
  const ready = () => (connected ??= producer.connect());

  const partitionCount = async (topic: string): Promise<number> => {
    const cached = partitionCounts.get(topic);
    if (cached && Date.now() - cached.at < PARTITION_COUNT_TTL_MS) return cached.count;
    const count = await admin.partitionCount(topic);
    if (count === 0) throw new Error(`topic ${topic} has no partitions; run tributary topics apply`);
    partitionCounts.set(topic, { count, at: Date.now() });
    return count;
  };

  const toRecord = async (event: TributaryEvent) => {
    const { definition, key, value } = await codec.encode(event);
    const topic = definition.route.topic;
    const count = await partitionCount(topic);
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    const message = { key, value, headers: {} as IHeaders };
    const partition = partitioner({ topic, partitionMetadata, message });
    message.headers = {
      [HEADERS.type]: event.type,
      [HEADERS.eventId]: event.metadata.eventId,
      [HEADERS.correlationId]: event.metadata.correlationId,
    };
    return { topic, partition, message: { ...message, partition } };
  };

  return {
    async publish(event) {
      const [position] = await this.publishBatch([event]);
      logger.debug(
        { correlationId: event.metadata.correlationId, eventId: event.metadata.eventId, type: event.type, ...position },
        'published',
      );
      return position!;
    },

    async publishBatch(events) {
      if (events.length === 0) return [];
      // Encode (and so validate) all before sending any: a batch is accepted whole or not at all.
      const records = await Promise.all(events.map(toRecord));
      const byTopic = new Map<string, (typeof records)[number]['message'][]>();
      for (const { topic, message } of records) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      await ready();
      const written = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      // Records of one partition are appended in the order sent: the n-th is at base offset + n.
      const seen = new Map<string, number>();
      return records.map(({ topic, partition }) => {
        const base = written.find((w) => w.topicName === topic && w.partition === partition)?.baseOffset;
        if (base === undefined) throw new Error(`the broker acknowledged no offset for ${topic}/${partition}`);
        const index = seen.get(`${topic}/${partition}`) ?? 0;
        seen.set(`${topic}/${partition}`, index + 1);
        return { topic, partition, offset: (BigInt(base) + BigInt(index)).toString() };
      });
    },

    async close() {
      if (connected) await producer.disconnect();
      await admin.close();
    },
  };
}
