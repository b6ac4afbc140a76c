import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createAwsClients } from '../../infra/aws/clients.ts';
import type { LakeStore } from '../../infra/lake/store.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { logLakeWorker } from '../../processors/logs/lake-worker.ts';
import type { EventOf } from '../../schemas/generated/events.ts';
import type { Backbone } from './backbone.ts';
import { metadata } from './events.ts';
import { quietLogger, testConfig, uniqueName } from './platform.ts';

/** A LogEntry of one step, at `occurredAt`, in the `test` environment. */
export function logEntry(
  organizationId: string,
  logType: 'web' | 'app' | 'agw',
  occurredAt: Date,
  outcome: { success: boolean; message: string } = { success: true, message: 'request served' },
): EventOf<'LogEntry'> {
  const transactionId = randomUUID();
  return {
    type: 'LogEntry',
    metadata: metadata(occurredAt, { organizationId, correlationId: transactionId }),
    payload: {
      organizationId,
      logType,
      environment: 'test',
      server: 'web-1',
      level: 'info',
      message: outcome.message,
      events: [
        {
          action: 'received request',
          description: 'GET /accounts',
          detail: { route: '/accounts' },
          caller: 'portal',
          server: 'web-1',
          success: outcome.success,
          time: occurredAt,
          transactionId,
          type: 'request',
        },
      ],
    },
  };
}

/** A lake of the test's own: its directory, staging schema, stager group and topic. */
export async function startLake(
  backbone: Backbone,
  store?: (directory: string) => LakeStore,
  logger: Logger = quietLogger(),
) {
  const directory = mkdtempSync(join(tmpdir(), 'tributary-lake-test-'));
  const schema = uniqueName('lake').replace(/-/g, '_');
  const config = await testConfig({
    LAKE_DIRECTORY: directory,
    LAKE_FILE_MAX_AGE_SECONDS: '1',
    LAKE_FLUSH_INTERVAL_MS: '200',
  });
  const running = await logLakeWorker(
    {
      publisher: backbone.publisher,
      config,
      aws: createAwsClients(config.aws),
      pool: backbone.pool,
      projections: {},
      logger,
      runtime: backbone.runtime(logger),
      slices: [],
    },
    {
      schema,
      stagerName: uniqueName('lake-stage'),
      topics: [backbone.topics['logs.entries']],
      ...(store ? { store: store(directory) } : {}),
    },
  ).start();
  return { directory, running, schema, config };
}

/** Every row of the lake directory, with the partition values DuckDB reads from the paths. */
export async function lakeRows(directory: string) {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const reader = await connection.runAndReadAll(
      `select event_id, organization, logtype, year, month, day, hour, kafka_offset, message
       from read_parquet('${directory}/logs/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
    );
    return reader.getRowObjectsJson() as Record<string, string>[];
  } catch (error) {
    if (/No files found/.test((error as Error).message)) return [];
    throw error;
  } finally {
    connection.closeSync();
  }
}
