/**
 * Consume: MB/s of Tributary's own events read and decoded by the processor runtime (eachBatch,
 * Avro decode into typed events, the handler, a Kafka commit per batch), against Kafka's own
 * `kafka-consumer-perf-test` reading the same topic (its fetch MB/s: the group's join left out,
 * as here, where the clock starts when the group is joined). Both count the records' key and value
 * bytes; Tributary's MB/s is the MB the tool counted over Tributary's time.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import { startProcessor } from '../../processors/runtime/runner.ts';
import type { AtLeastOnceProcessor } from '../../processors/runtime/processor.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { uniqueName } from '../support/platform.ts';
import { median, ratioFigure, repeat, type BenchOptions, type Figure, type Pair, type Progress } from './harness.ts';
import { consumerPerfTest } from './kafka-perf.ts';
import { cleansed } from './warehouse.ts';

export const CONSUME_DEFAULT_EVENTS = 100_000;
const BATCH = 500;

/** Publishes `count` workload events onto the backbone's transactions.cleansed copy. */
export async function publishWorkload(backbone: Backbone, count: number, progress: Progress): Promise<void> {
  let last = 0;
  for (let i = 0; i < count; i += BATCH) {
    await backbone.publisher.publishBatch(
      Array.from({ length: Math.min(BATCH, count - i) }, (_, n) => cleansed(`acc-${(i + n) % 500}`, i + n)),
    );
    if (performance.now() - last > 5000) {
      progress(`published ${(i + BATCH).toLocaleString('en')} / ${count.toLocaleString('en')}`);
      last = performance.now();
    }
  }
}

/** Seconds the runtime takes to decode and hand over every record of `topic`, from the group's join. */
export async function runtimeConsume(backbone: Backbone, topic: string, count: number): Promise<number> {
  let seen = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const processor: AtLeastOnceProcessor = {
    name: uniqueName('bench-consume'),
    topics: [topic],
    mode: 'at-least-once',
    async handle(events) {
      seen += events.length;
      if (seen >= count) finished();
    },
  };
  const running = await startProcessor(processor, backbone.runtime(), { sessionTimeoutMs: 10_000 });
  try {
    await running.joined;
    const started = performance.now();
    await done;
    return (performance.now() - started) / 1000;
  } finally {
    await running.stop();
  }
}

/**
 * Seconds a bare kafkajs consumer (no decoding, nothing done with the records) takes to read every
 * record of `topic` from the group's join: what the runtime's client alone allows, to tell the
 * client's share of the gap from the runtime's.
 */
async function kafkajsConsume(backbone: Backbone, topic: string, count: number): Promise<number> {
  const consumer = backbone.kafka.consumer({ groupId: uniqueName('bench-kafkajs') });
  await consumer.connect();
  let joined = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = performance.now()));
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          partitionsConsumedConcurrently: 3,
          eachBatch: async ({ batch }) => {
            seen += batch.messages.length;
            if (seen >= count) resolve();
          },
        })
        .catch(reject);
    });
    return (performance.now() - joined) / 1000;
  } finally {
    await consumer.disconnect();
  }
}

export async function measureConsume(
  backbone: Backbone,
  options: BenchOptions & { readonly events: number },
  progress: Progress,
): Promise<Figure[]> {
  const topic = backbone.topics['transactions.cleansed'];
  await publishWorkload(backbone, options.events, progress);
  const bare: Pair[] = [];
  const measured = await repeat(options, progress, async ({ warmUp }) => {
    const java = await consumerPerfTest(backbone.config, {
      topic,
      records: options.events,
      group: uniqueName('bench-consumer-perf'),
    });
    if (java.records < options.events)
      throw new Error(`kafka-consumer-perf-test read ${java.records} of ${options.events} records`);
    const seconds = await runtimeConsume(backbone, topic, options.events);
    const bareSeconds = await kafkajsConsume(backbone, topic, options.events);
    if (!warmUp) bare.push({ value: java.mb / bareSeconds, ceiling: java.fetchMbPerSecond });
    return { value: java.mb / seconds, ceiling: java.fetchMbPerSecond };
  });
  const kafkajs = {
    value: median(bare.map((b) => b.value)),
    ceiling: median(bare.map((b) => b.ceiling)),
    ratio: median(bare.map((b) => b.value / b.ceiling)),
    samples: bare,
  };
  const runtime = ratioFigure(
    {
      id: 'consume',
      group: 'platform',
      label: `${options.events.toLocaleString('en')} TransactionCleansed events read and decoded by the runtime (eachBatch, at-least-once, commit per batch)`,
      unit: 'MB/s',
      ceiling: { unit: 'MB/s', label: 'kafka-consumer-perf-test, fetch MB/s, same topic' },
      target: { of: 'ratio', op: '>=', value: 0.4 },
    },
    measured,
  );
  const client = ratioFigure(
    {
      id: 'consume-kafkajs',
      group: 'platform',
      label:
        'the same records read by a bare kafkajs consumer, no decoding: the client alone (no target; where the time goes)',
      unit: 'MB/s',
      ceiling: { unit: 'MB/s', label: 'kafka-consumer-perf-test, fetch MB/s, same topic' },
    },
    kafkajs,
  );
  return [runtime, client];
}

/**
 * Standalone, with a CPU profile of the consume side only (the publishing before it left out):
 *   node --import tsx test/bench/consume.ts --events=50000 --profile=consume.cpuprofile
 * Open the file in Chrome's DevTools (Performance) or speedscope.
 */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const events = Number(argument('events') ?? CONSUME_DEFAULT_EVENTS);
  const profile = argument('profile');
  const backbone = await isolatedBackbone({ partitions: 3 });
  const log = (line: string) => process.stderr.write(`  consume: ${line}\n`);
  await publishWorkload(backbone, events, log);
  const session = new Session();
  if (profile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const seconds = await runtimeConsume(backbone, backbone.topics['transactions.cleansed'], events);
  if (profile) {
    const { profile: taken } = await session.post('Profiler.stop');
    writeFileSync(profile, JSON.stringify(taken));
    log(`profile written to ${profile}`);
  }
  log(`${events} events in ${seconds.toFixed(2)} s: ${Math.round(events / seconds)} events/s`);
  await backbone.close();
  process.exit(0);
}
