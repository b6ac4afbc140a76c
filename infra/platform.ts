import type { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { collectDefaultMetrics } from 'prom-client';
import { ProcessorMetrics } from '../processors/runtime/metrics.ts';
import { createAwsClients, type AwsClients } from './aws/clients.ts';
import type { Config } from './config/index.ts';
import { kafkaCheck, postgresCheck, registryCheck, runChecks, s3Check, type CheckResult } from './health/checks.ts';
import { KafkaAdmin } from './kafka/admin.ts';
import { createKafka, type KafkaConnection } from './kafka/client.ts';
import type { Logger } from './logging/logger.ts';

/**
 * The long-lived connections one Tributary process holds to its dependencies, opened from
 * configuration and closed together. Domain code receives what it needs from here.
 */
export interface Platform {
  readonly config: Config;
  readonly logger: Logger;
  readonly kafka: KafkaConnection;
  readonly pool: pg.Pool;
  readonly s3: S3Client;
  /** Every AWS client (`aws.s3` is `s3`). */
  readonly aws: AwsClients;
  /** This process's Prometheus metrics (Node's defaults included), served at /metrics. */
  readonly metrics: ProcessorMetrics;
  readiness(): Promise<CheckResult[]>;
  close(): Promise<void>;
}

export function openPlatform(config: Config, logger: Logger): Platform {
  const kafka = createKafka(config.kafka, logger);
  const pool = new pg.Pool({
    connectionString: config.database.url,
    max: config.database.poolMax,
    ssl: config.database.ssl ? { rejectUnauthorized: true } : false,
    connectionTimeoutMillis: 5000,
  });
  // An idle client that loses its server emits here; without a listener the process would crash.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle postgres connection failed'));
  const aws = createAwsClients(config.aws);
  const s3 = aws.s3;
  const metrics = new ProcessorMetrics();
  collectDefaultMetrics({ register: metrics.registry });

  const admin = new KafkaAdmin(kafka);

  return {
    config,
    logger,
    kafka,
    pool,
    s3,
    aws,
    metrics,
    async readiness() {
      return runChecks([
        kafkaCheck(admin),
        registryCheck(config.registry.url, config.registry.auth),
        postgresCheck(pool),
        s3Check(s3, config.lake.bucket),
      ]);
    },
    async close() {
      await Promise.allSettled([admin.close(), pool.end()]);
      aws.s3.destroy();
      aws.sqs.destroy();
      aws.presigner.destroy();
    },
  };
}
