/**
 * Publish: events/s through the typed publisher (schema check, Avro, murmur2 partition, idempotent
 * producer, acks=all, 500 events a batch), against Kafka's own `kafka-producer-perf-test` sending
 * as many records of the same size (key and value of the encoded events) to a topic with as many
 * partitions, with acks=all, idempotence, the publisher's linger (2 ms) and batches up to 500 records.
 * The publisher is called by 4 callers at once, each awaiting its batch of 500 (the Java tool never
 * waits: it sends asynchronously, up to 5 requests in flight).
 */
import { uniqueName } from '../support/platform.ts';
import type { Backbone } from '../support/backbone.ts';
import { median, ratioFigure, repeat, type BenchOptions, type Figure, type Pair, type Progress } from './harness.ts';
import { producerPerfTest } from './kafka-perf.ts';
import { cleansed } from './warehouse.ts';

export const PUBLISH_DEFAULT_EVENTS = 100_000;
const BATCH = 500;
const IN_FLIGHT = 4;

/** Mean encoded size (key and value) of the workload's events. */
export async function recordSize(backbone: Backbone): Promise<number> {
  const sample = await Promise.all(
    Array.from({ length: 1000 }, (_, n) => backbone.codec.encode(cleansed(`acc-${n % 500}`, n))),
  );
  return Math.round(sample.reduce((sum, r) => sum + r.value.length + (r.key?.length ?? 0), 0) / sample.length);
}

export async function rawTopic(backbone: Backbone, partitions: number): Promise<string> {
  const topic = uniqueName('bench-raw');
  const admin = backbone.kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export async function dropTopics(backbone: Backbone, topics: readonly string[]): Promise<void> {
  const admin = backbone.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics] });
  } finally {
    await admin.disconnect();
  }
}

export async function measurePublish(
  backbone: Backbone,
  options: BenchOptions & { readonly events: number },
  progress: Progress,
): Promise<Figure[]> {
  const size = await recordSize(backbone);
  /**
   * kafkajs alone, with no schema check, encoding or lanes: one idempotent producer (kafkajs
   * allows it one request in flight) sending the pre-encoded records to the raw topic.
   */
  const bareClient = async (batches: readonly (readonly ReturnType<typeof cleansed>[])[]): Promise<number> => {
    const encoded = await Promise.all(
      batches.map((batch) => Promise.all(batch.map((event) => backbone.codec.encode(event)))),
    );
    const producer = backbone.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < encoded.length) {
            const batch = encoded[next++]!;
            await producer.send({
              topic: raw,
              acks: -1,
              messages: batch.map(({ key, value }) => ({ key, value })),
            });
          }
        }),
      );
      return (encoded.flat().length * 1000) / (performance.now() - started);
    } finally {
      await producer.disconnect();
    }
  };
  const partitions = 3;
  const raw = await rawTopic(backbone, partitions);
  const bare: Pair[] = [];
  try {
    const measured = await repeat(options, progress, async ({ warmUp }) => {
      const count = warmUp ? Math.ceil(options.events / 5) : options.events;
      const java = await producerPerfTest(backbone.config, {
        topic: raw,
        records: count,
        recordSize: size,
        properties: {
          acks: 'all',
          'enable.idempotence': true,
          'linger.ms': 2,
          'batch.size': BATCH * size,
          'compression.type': 'none',
        },
      });
      // Events are made before the clock starts: the figure is the publisher's, not the generator's.
      const batches = Array.from({ length: Math.ceil(count / BATCH) }, (_, b) =>
        Array.from({ length: Math.min(BATCH, count - b * BATCH) }, (_, n) =>
          cleansed(`acc-${(b * BATCH + n) % 500}`, b * BATCH + n),
        ),
      );
      // IN_FLIGHT callers each awaiting its own batches, as concurrent request handlers or importers
      // do: the publisher packs what waits while a request is out into the next one.
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < batches.length) await backbone.publisher.publishBatch(batches[next++]!);
        }),
      );
      const elapsed = performance.now() - started;
      const client = await bareClient(batches);
      if (!warmUp) bare.push({ value: client, ceiling: java.recordsPerSecond });
      return { value: (count * 1000) / elapsed, ceiling: java.recordsPerSecond };
    });
    const kafkajs = {
      value: median(bare.map((b) => b.value)),
      ceiling: median(bare.map((b) => b.ceiling)),
      ratio: median(bare.map((b) => b.value / b.ceiling)),
      samples: bare,
    };
    return [
      ratioFigure(
        {
          id: 'publish',
          group: 'platform',
          label: `${options.events.toLocaleString('en')} TransactionCleansed events (${size} B each) through the publisher, batches of ${BATCH} from ${IN_FLIGHT} callers at once, acks=all, idempotent`,
          unit: 'events/s',
          ceiling: {
            unit: 'records/s',
            label: 'kafka-producer-perf-test, same size, acks=all, idempotent, linger 2 ms',
          },
          target: { of: 'ratio', op: '>=', value: 0.5 },
        },
        measured,
      ),
      ratioFigure(
        {
          id: 'publish-kafkajs',
          group: 'platform',
          label: `the same events, encoded beforehand, sent by one bare idempotent kafkajs producer (acks=all, batches of ${BATCH} from ${IN_FLIGHT} callers): the client alone (no target; where the time goes)`,
          unit: 'records/s',
          ceiling: {
            unit: 'records/s',
            label: 'kafka-producer-perf-test, same size, acks=all, idempotent, linger 2 ms',
          },
        },
        kafkajs,
      ),
    ];
  } finally {
    await dropTopics(backbone, [raw]).catch(() => undefined);
  }
}
