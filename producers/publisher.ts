import type { Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { KafkaAdmin } from '../infra/kafka/admin.ts';
import { createIdempotentProducer, type KafkaConnection } from '../infra/kafka/client.ts';
import {
  allTopicDeclarations,
  DEFAULT_MAX_MESSAGE_BYTES,
  maxMessageBytesOf,
  type TopicDeclaration,
} from '../infra/kafka/topics.ts';
import type { Logger } from '../infra/logging/logger.ts';
import type { EventCodec } from '../schemas/codec.ts';
import type { TributaryEvent } from '../schemas/generated/events.ts';
import { EventTooLargeError } from './event-too-large.ts';
import type { OutgoingRecord } from './pack-requests.ts';
import { partitionOf } from './partition.ts';
import { publishLatency } from './publish-metrics.ts';
import { singleRecordBatchSize } from './record-batch.ts';
import { splitByLane } from './lanes.ts';
import { SendQueue, type SendQueueOptions } from './send-queue.ts';

export { EventTooLargeError };

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
   * Sends several events, each keyed by its aggregate. Nothing is sent unless every event is
   * valid and fits its topic (EventValidationError, EventTooLargeError). Resolves with each
   * event's position, in the order given, once the broker has them all. Concurrent calls share
   * produce requests; a batch goes in one request unless it is larger than one can carry.
   */
  publishBatch(events: readonly TributaryEvent[]): Promise<Position[]>;
  /** Sends what is waiting, then disconnects. */
  close(): Promise<void>;
}

export interface PublisherOptions {
  /** How long a lone batch waits for concurrent ones to share its request (Kafka's linger.ms). */
  readonly lingerMs?: number;
  /** Records that make a request go at once, without lingering. */
  readonly maxBatchEvents?: number;
  /**
   * Idempotent producers, each the only writer of its share of the partitions (partition modulo
   * this count): one produce request in flight each, so several at once, with every partition's
   * records still sent by one producer in the order given.
   */
  readonly producers?: number;
  /** Topics whose declared max.message.bytes records are kept under (default: every topic Tributary owns). */
  readonly topics?: readonly TopicDeclaration[];
  /** The process's registry, to time publishes by topic (`tributary_publish_duration_seconds`). */
  readonly metrics?: Registry;
}

export const PUBLISHER_DEFAULTS = { lingerMs: 2, maxBatchEvents: 500, producers: 3 } as const;

const PARTITION_COUNT_TTL_MS = 60_000;

/**
 * The typed publisher: an idempotent producer with acks=all, over the event codec. It picks each
 * record's partition itself, with the Java client's murmur2 partitioner (what Kafka would pick),
 * so it can tell every event's exact position, batches included. It is the one place that knows
 * the topics' max.message.bytes: an event too large is refused before sending, and requests are
 * packed so that no partition's batch in one is larger.
 */
export function createPublisher(
  kafka: KafkaConnection,
  codec: EventCodec,
  logger: Logger,
  options: PublisherOptions = {},
): Publisher {
  const partitionCounts = new Map<string, { count: number; at: number }>();
  const declared = new Map((options.topics ?? allTopicDeclarations()).map((topic) => [topic.name, topic]));
  const maxBatchBytes = (topic: string) => {
    const declaration = declared.get(topic);
    return declaration ? maxMessageBytesOf(declaration) : DEFAULT_MAX_MESSAGE_BYTES;
  };
  const admin = new KafkaAdmin(kafka);
  const latency = options.metrics ? publishLatency(options.metrics) : undefined;
  // kafkajs keeps an idempotent producer to one request in flight (its sequence numbers allow no
  // more), which leaves the broker idle for a round trip per request. Lanes give several requests
  // in flight without reordering: a partition always goes through the same lane.
  const lanes = Array.from({ length: options.producers ?? PUBLISHER_DEFAULTS.producers }, () =>
    lane(createIdempotentProducer(kafka), {
      lingerMs: options.lingerMs ?? PUBLISHER_DEFAULTS.lingerMs,
      maxBatchEvents: options.maxBatchEvents ?? PUBLISHER_DEFAULTS.maxBatchEvents,
      maxBatchBytes,
    }),
  );

  const partitionCount = async (topic: string): Promise<number> => {
    const cached = partitionCounts.get(topic);
    if (cached && Date.now() - cached.at < PARTITION_COUNT_TTL_MS) return cached.count;
    const count = await admin.partitionCount(topic);
    if (count === 0) throw new Error(`topic ${topic} has no partitions; run tributary topics apply`);
    partitionCounts.set(topic, { count, at: Date.now() });
    return count;
  };

  const toRecord = async (event: TributaryEvent): Promise<OutgoingRecord> => {
    const { definition, key, value } = await codec.encode(event);
    const topic = definition.route.topic;
    const partition = partitionOf(key, await partitionCount(topic));
    const headers = {
      [HEADERS.type]: event.type,
      [HEADERS.eventId]: event.metadata.eventId,
      [HEADERS.correlationId]: event.metadata.correlationId,
    };
    return { topic, partition, message: { key, value, headers } };
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
      const timer = process.hrtime.bigint();
      // Encode (and so validate) and measure all before sending any: a batch is accepted whole or not at all.
      const records = await Promise.all(events.map(toRecord));
      records.forEach(({ topic, message }, index) => {
        const bytes = singleRecordBatchSize(message);
        const limit = maxBatchBytes(topic);
        if (bytes > limit)
          throw new EventTooLargeError(events[index]!.type, bytes, limit, topic, events.length > 1 ? index : undefined);
      });
      const positions = await sendByLane(lanes, records);
      if (latency) {
        const seconds = Number(process.hrtime.bigint() - timer) / 1e9;
        for (const topic of new Set(records.map((record) => record.topic))) latency.observe({ topic }, seconds);
      }
      return positions;
    },

    async close() {
      await Promise.all(lanes.map((l) => l.close()));
      await admin.close();
    },
  };
}

interface Lane {
  readonly queue: SendQueue;
  close(): Promise<void>;
}

function lane(producer: Producer, options: Omit<SendQueueOptions, 'send'>): Lane {
  let connected: Promise<void> | undefined;
  const ready = () => {
    if (!connected) {
      connected = producer.connect();
      connected.catch(() => (connected = undefined));
    }
    return connected;
  };
  const queue = new SendQueue({
    ...options,
    send: async (topicMessages) => {
      await ready();
      return producer.sendBatch({ acks: -1, topicMessages });
    },
  });
  return {
    queue,
    async close() {
      await queue.drain();
      if (connected) await producer.disconnect();
    },
  };
}

/** Each record through the lane of its partition; the positions in the order given. */
async function sendByLane(lanes: readonly Lane[], records: readonly OutgoingRecord[]): Promise<Position[]> {
  if (lanes.length === 1) return lanes[0]!.queue.enqueue(records);
  const shares = splitByLane(records, lanes.length);
  const positions: Position[] = new Array(records.length);
  await Promise.all(
    shares.map(async ({ indexes, records: share }, n) => {
      if (share.length === 0) return;
      const sent = await lanes[n]!.queue.enqueue(share);
      sent.forEach((position, i) => (positions[indexes[i]!] = position));
    }),
  );
  return positions;
}
