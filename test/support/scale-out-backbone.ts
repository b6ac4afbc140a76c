import pg from 'pg';
import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import { createKafka, type KafkaConnection } from '../../infra/kafka/client.ts';
import { allTopicDeclarations, type TopicName } from '../../infra/kafka/topics.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { createPublisher, type Publisher } from '../../producers/publisher.ts';
import { ProcessorMetrics } from '../../processors/runtime/metrics.ts';
import type { RuntimeDependencies } from '../../processors/runtime/runner.ts';
import { eventDefinitions, subjectOf } from '../../schemas/catalog.ts';
import { EventCodec, type EventDefinition } from '../../schemas/codec.ts';
import { RegistryClient } from '../../schemas/registry-client.ts';
import { registerSchemas } from '../../schemas/registration.ts';
import { quietLogger, testConfig } from './platform.ts';

/** The catalog topic the scale-out test copies: its events are small and need no other topic. */
const FAMILY: TopicName = 'messages.events';

export const SCALE_OUT_PARTITIONS = 6;

export interface ScaleOutBackbone {
  /** The test's own copy of messages.events, with SCALE_OUT_PARTITIONS partitions. */
  readonly topic: string;
  readonly kafka: KafkaConnection;
  readonly pool: pg.Pool;
  readonly publisher: Publisher;
  runtime(logger?: Logger): RuntimeDependencies;
  close(): Promise<void>;
}

/**
 * One topic of the test's own (and its dead-letter topic), its schemas registered under the copy's
 * subjects. Leaner than isolatedBackbone, which copies every catalog topic: this one is opened by
 * four processes, each of which would otherwise re-check sixteen topics and thirty-odd subjects.
 * `provision` is for the test itself; the instances only connect.
 */
export async function scaleOutBackbone(suffix: string, { provision = false } = {}): Promise<ScaleOutBackbone> {
  const config = await testConfig();
  const logger = quietLogger();
  const kafka = createKafka(config.kafka, logger);
  const topic = `${FAMILY}.${suffix}`;
  const definitions: EventDefinition[] = eventDefinitions()
    .filter((d) => d.route.topic === FAMILY)
    .map((d) => ({
      ...d,
      route: { ...d.route, topic: topic as TopicName },
      subject: subjectOf(topic, d.schema.fullName),
    }));
  const registry = new RegistryClient(config.registry);
  if (provision) {
    const declarations = allTopicDeclarations([
      {
        name: topic,
        partitions: SCALE_OUT_PARTITIONS,
        retentionMs: -1,
        cleanupPolicy: 'delete',
        doc: 'scale-out test',
      },
    ]);
    await withKafkaAdmin(kafka, (admin) => admin.applyTopics(declarations));
    await registerSchemas(registry, definitions);
  }
  const codec = new EventCodec(registry, definitions);
  const publisher = createPublisher(kafka, codec, logger);
  const pool = new pg.Pool({ connectionString: config.database.url, max: 4 });
  const metrics = new ProcessorMetrics();
  return {
    topic,
    kafka,
    pool,
    publisher,
    // As `start` builds it: the session timeout comes from KAFKA_SESSION_TIMEOUT_MS.
    runtime: (runtimeLogger = logger) => ({
      kafka,
      codec,
      pool,
      logger: runtimeLogger,
      metrics,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    }),
    async close() {
      await publisher.close();
      await pool.end();
    },
  };
}
