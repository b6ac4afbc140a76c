/**
 * The log lake's benchmark: entries/s from Kafka into Parquet (the partitioner: stage in Postgres,
 * close files, write zstd Parquet) against DuckDB writing the same rows to Parquet directly, in the
 * same run; and the files a structured query reads against the files without partition pruning.
 * Standalone: `node --import tsx test/bench/lake.ts [--rows=10000000]` (or LAKE_BENCH_ROWS through
 * the flag only: nothing here reads the environment). Prints a markdown table.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { createAwsClients } from '../../infra/aws/clients.ts';
import { queryLogs } from '../../infra/lake/query-logs.ts';
import { DirectoryLake } from '../../infra/lake/store.ts';
import { logLakeWorker } from '../../processors/logs/lake-worker.ts';
import { ParquetWriter } from '../../processors/logs/parquet-writer.ts';
import { lakeRowOf } from '../../processors/logs/stager.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { logEntry } from '../support/lake.ts';
import { quietLogger, testConfig, uniqueName } from '../support/platform.ts';

export const LAKE_BENCH = { rows: 20_000, organizations: 4, hours: 12, batch: 1000 } as const;
const TYPES = ['web', 'app', 'agw'] as const;

export interface LakeFigures {
  readonly rows: number;
  /** From the first staged entry to the last row stored. */
  readonly pipelinePerSecond: number;
  /** The same, counting the consumer group's join. */
  readonly withJoinPerSecond: number;
  readonly duckdbPerSecond: number;
  readonly filesRead: number;
  readonly filesWithoutPruning: number;
}

const entryAt = (i: number) =>
  logEntry(
    `org-b${i % LAKE_BENCH.organizations}`,
    TYPES[Math.floor(i / LAKE_BENCH.organizations) % TYPES.length]!,
    // Independent of the organization and the type, so every partition gets entries.
    new Date(
      Date.UTC(2026, 10, 16, Math.floor(i / (LAKE_BENCH.organizations * TYPES.length)) % LAKE_BENCH.hours, i % 60),
    ),
  );

async function rowsInLake(directory: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const reader = await connection.runAndReadAll(
      `select coalesce(sum(num_rows), 0)::bigint as n from (select distinct file_name, num_rows from parquet_file_metadata('${directory}/logs/**/*.parquet'))`,
    );
    return Number(reader.getRowObjects()[0]!.n);
  } catch (error) {
    if (/No files found/.test((error as Error).message)) return 0;
    throw error;
  } finally {
    connection.closeSync();
  }
}

export async function measureLake(
  backbone: Backbone,
  progress: (line: string) => void,
  rows: number = LAKE_BENCH.rows,
): Promise<LakeFigures> {
  progress(`publishing ${rows.toLocaleString('en')} log entries`);
  for (let start = 0; start < rows; start += LAKE_BENCH.batch)
    await backbone.publisher.publishBatch(
      Array.from({ length: Math.min(LAKE_BENCH.batch, rows - start) }, (_, i) => entryAt(start + i)),
    );

  // DuckDB alone, the same rows (as the stager makes them), one COPY into zstd Parquet.
  const sample = Array.from({ length: rows }, (_, i) =>
    lakeRowOf({ event: entryAt(i), topic: 'logs.entries', partition: 0, offset: String(i), key: null }),
  );
  const scratch = await mkdtemp(join(tmpdir(), 'tributary-bench-lake-'));
  const writer = new ParquetWriter();
  const directStarted = performance.now();
  await writer.write(sample, join(scratch, 'direct.parquet'));
  const duckdbPerSecond = rows / ((performance.now() - directStarted) / 1000);
  writer.close();
  await rm(scratch, { recursive: true, force: true });

  progress('running the partitioner from offset zero');
  const directory = mkdtempSync(join(tmpdir(), 'tributary-bench-lake-'));
  const config = await testConfig({
    LAKE_DIRECTORY: directory,
    LAKE_FILE_MAX_ROWS: '100000',
    LAKE_FILE_MAX_AGE_SECONDS: '1',
    LAKE_FLUSH_INTERVAL_MS: '200',
  });
  const context = {
    publisher: backbone.publisher,
    config,
    aws: createAwsClients(config.aws),
    pool: backbone.pool,
    projections: {},
    logger: quietLogger(),
    runtime: backbone.runtime(),
    slices: [],
  };
  const schema = uniqueName('bench_lake').replace(/-/g, '_');
  const started = performance.now();
  const running = await logLakeWorker(context, {
    schema,
    stagerName: uniqueName('bench-lake'),
    topics: [backbone.topics['logs.entries']],
  }).start();
  let joined: number;
  try {
    // The consumer group's join is not throughput: the steady figure starts at the first staged entry.
    for (;;) {
      const { rows: staged } = await backbone.pool.query(`select 1 from "${schema}".log_lake_staged limit 1`);
      if (staged.length > 0 || (await rowsInLake(directory)) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    joined = performance.now();
    for (let stored = 0; stored < rows; stored = await rowsInLake(directory)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      progress(`  ${stored.toLocaleString('en')} rows in Parquet`);
    }
  } finally {
    await running.stop();
  }
  const ended = performance.now();
  const pipelinePerSecond = rows / ((ended - joined) / 1000);
  const withJoinPerSecond = rows / ((ended - started) / 1000);

  const lake = new DirectoryLake(directory);
  const query = await queryLogs(lake, {
    environment: 'test',
    organizationId: 'org-b1',
    logTypes: ['web'],
    from: new Date(Date.UTC(2026, 10, 16, 5)),
    to: new Date(Date.UTC(2026, 10, 16, 6)),
    text: 'GET',
    limit: 100,
  });
  return {
    rows,
    pipelinePerSecond,
    withJoinPerSecond,
    duckdbPerSecond,
    filesRead: query.objects.length,
    // Without pruning, the same query would open every file of the lake.
    filesWithoutPruning: (await lake.list('logs/')).length,
  };
}

export function lakeTable(f: LakeFigures): string {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  return [
    '| log lake | value | target |',
    '| --- | --- | --- |',
    `| rows | ${n(f.rows)} | |`,
    `| Kafka → Parquet (partitioner), entries/s | ${n(f.pipelinePerSecond)} | |`,
    `| the same, counting the consumer group’s join | ${n(f.withJoinPerSecond)} | |`,
    `| DuckDB → Parquet directly, entries/s | ${n(f.duckdbPerSecond)} | |`,
    `| ratio | ${(f.pipelinePerSecond / f.duckdbPerSecond).toFixed(2)} | ≥ 0.70 |`,
    `| structured query: files read / without pruning | ${f.filesRead} / ${f.filesWithoutPruning} (${((100 * f.filesRead) / Math.max(1, f.filesWithoutPruning)).toFixed(1)}%) | ≤ 5% |`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = process.argv.find((arg) => arg.startsWith('--rows='));
  const rows = flag ? Number(flag.slice('--rows='.length)) : LAKE_BENCH.rows;
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a whole number, not ${flag}`);
  const backbone = await isolatedBackbone({ partitions: 3 });
  try {
    const figures = await measureLake(backbone, (line) => process.stderr.write(`${line}\n`), rows);
    process.stdout.write(`${lakeTable(figures)}\n`);
  } finally {
    await backbone.close();
  }
  process.exit(0);
}
