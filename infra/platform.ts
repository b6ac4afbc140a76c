import type { S3Client } from '@aws-sdk/client-s3';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import { collectDefaultMetrics } from 'prom-client';
import { ProcessorMetrics } from '../processors/runtime/metrics.ts';
import { createS3Client } from './aws/clients.ts';
import type { Config } from './config/index.ts';
import { kafkaCheck, postgresCheck, registryCheck, runChecks, s3Check, type CheckResult } from './health/checks.ts';
import { createKafka } from './kafka/client.ts';
import type { Logger } from './logging/logger.ts';

/**
 * The long-lived connections one Tributary process holds to its dependencies, opened from
 * configuration and closed together. Domain code receives what it needs from here.
 */
export interface Platform {
  readonly config: Config;
  readonly logger: Logger;
  readonly kafka: Kafka;
  readonly pool: pg.Pool;
  readonly s3: S3Client;
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
  const s3 = createS3Client(config.aws);
  const metrics = new ProcessorMetrics();
  collectDefaultMetrics({ register: metrics.registry });

  let admin: Admin | undefined;
  const connectedAdmin = async () => {
    if (!admin) {
      const candidate = kafka.admin();
      await candidate.connect();
      admin = candidate;
    }
    return admin;
  };

  return {
    config,
    logger,
    kafka,
    pool,
    s3,
    metrics,
    async readiness() {
      return runChecks([
        {
          name: 'kafka',
          async run(signal) {
            try {
              await kafkaCheck(await connectedAdmin()).run(signal);
            } catch (error) {
              // Drop the admin so the next probe reconnects rather than reusing a dead socket.
              const stale = admin;
              admin = undefined;
              await stale?.disconnect().catch(() => undefined);
              throw error;
            }
          },
        },
        registryCheck(config.registry.url, config.registry.auth),
        postgresCheck(pool),
        s3Check(s3, config.lake.bucket),
      ]);
    },
    async close() {
      await Promise.allSettled([admin?.disconnect(), pool.end()]);
      s3.destroy();
    },
  };
}
