import pg from 'pg';
import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import { createKafka, type KafkaConnection } from '../../infra/kafka/client.ts';
import { allTopicDeclarations, type TopicName } from '../../infra/kafka/topics.ts';
import type { Config } from '../../infra/config/index.ts';
import { createPublisher, type Publisher } from '../../producers/publisher.ts';
import { ProcessorMetrics } from '../../processors/runtime/metrics.ts';
import type { RuntimeDependencies } from '../../processors/runtime/runner.ts';
import { eventDefinitions, subjectOf } from '../../schemas/catalog.ts';
import { EventCodec, type EventDefinition } from '../../schemas/codec.ts';
import { RegistryClient } from '../../schemas/registry-client.ts';
import { registerSchemas } from '../../schemas/registration.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { quietLogger, testConfig, uniqueName } from './platform.ts';

/** A backbone's setup slower than this is reported with its phases. */
const SLOW_SETUP_MS = 10_000;

export interface Backbone {
  readonly config: Config;
  readonly kafka: KafkaConnection;
  readonly registry: RegistryClient;
  readonly codec: EventCodec;
  readonly publisher: Publisher;
  readonly pool: pg.Pool;
  readonly metrics: ProcessorMetrics;
  /** The test's own topics, by the catalog topic they stand in for. */
  readonly topics: Readonly<Record<TopicName, string>>;
  /** Pass it to isolatedBackbone in another process to share these topics. */
  readonly suffix: string;
  /** What the consumer runtime needs, over this backbone (a silent logger unless one is given). */
  runtime(logger?: Logger): RuntimeDependencies;
  close(): Promise<void>;
}

/**
 * The real publisher, codec and registry over topics of the test's own: every catalog topic
 * gets a unique copy (with its .dlq), and the schemas are registered under the copies' subjects,
 * so tests never see each other's events.
 */
export async function isolatedBackbone({
  partitions = 3,
  suffix: shared,
}: { partitions?: number; suffix?: string } = {}): Promise<Backbone> {
  // The backbone that made the topics deletes them on close; one sharing them (another process) leaves them.
  const suffix = shared ?? uniqueName('t');
  const config = await testConfig();
  const logger = quietLogger();
  const kafka = createKafka(config.kafka, logger);
  const base = eventDefinitions();
  const topicNames = [...new Set(base.map((d) => d.route.topic))];
  const topics = Object.fromEntries(topicNames.map((t) => [t, `${t}.${suffix}`])) as Record<TopicName, string>;
  const definitions: EventDefinition[] = base.map((d) => {
    const topic = topics[d.route.topic];
    return { ...d, route: { ...d.route, topic: topic as TopicName }, subject: subjectOf(topic, d.schema.fullName) };
  });

  const started = performance.now();
  await withKafkaAdmin(kafka, (admin) =>
    admin.applyTopics(
      allTopicDeclarations(
        topicNames.map((t) => ({
          name: topics[t],
          partitions,
          retentionMs: -1,
          cleanupPolicy: 'delete' as const,
          doc: 'test',
        })),
      ),
    ),
  );

  const topicsMade = performance.now();
  const registry = new RegistryClient(config.registry);
  await registerSchemas(registry, definitions);
  const registered = performance.now();
  // The setup is 2 to 4 s on an idle machine; CI has twice seen it pass a hook's 60 s under load.
  // A slow one says where its time went, on stderr (the suite's output), so the next one is placed.
  if (registered - started > SLOW_SETUP_MS)
    process.stderr.write(
      `isolatedBackbone ${suffix}: ${Math.round(registered - started)} ms ` +
        `(${topicNames.length * 2} topics ${Math.round(topicsMade - started)} ms, ` +
        `${definitions.length} schemas ${Math.round(registered - topicsMade)} ms)\n`,
    );
  const codec = new EventCodec(registry, definitions);
  const publisher = createPublisher(kafka, codec, logger);
  const pool = new pg.Pool({ connectionString: config.database.url, max: 5 });
  const metrics = new ProcessorMetrics();
  let closing: Promise<void> | undefined;
  return {
    config,
    kafka,
    registry,
    codec,
    publisher,
    pool,
    metrics,
    topics,
    suffix,
    runtime: (runtimeLogger = quietLogger()) => ({ kafka, codec, pool, logger: runtimeLogger, metrics }),
    close() {
      // Once: a spec whose beforeEach failed closes the previous test's backbone again in afterEach.
      closing ??= (async () => {
        await publisher.close();
        await pool.end();
        // Left behind, every run's topics piled up on the everyday stack: a broker holding 12,000
        // partitions of old test runs once died of OutOfMemoryError.
        if (shared === undefined) await deleteOwnTopics(kafka, suffix).catch(() => undefined);
      })();
      return closing;
    },
  };
}

async function deleteOwnTopics(kafka: KafkaConnection, suffix: string): Promise<void> {
  await withKafkaAdmin(kafka, async (admin) => {
    const own = (await admin.topicNames()).filter((t) => t.endsWith(`.${suffix}`) || t.endsWith(`.${suffix}.dlq`));
    await admin.deleteTopics(own);
  });
}
