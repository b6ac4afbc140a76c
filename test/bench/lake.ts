/**
 * The log lake's benchmark: entries/s from Kafka into Parquet (the partitioner: stage in Postgres,
 * close files, write zstd Parquet) against DuckDB writing the same rows to Parquet directly, in the
 * same run; and the files a structured query reads against the files without partition pruning.
 * Standalone: `node --import tsx test/bench/lake.ts [--rows=10000000]` (or LAKE_BENCH_ROWS through
 * the flag only: nothing here reads the environment). Prints a markdown table.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { createAwsClients } from '../../infra/aws/clients.ts';
import { queryLogs } from '../../infra/lake/query-logs.ts';
import { DirectoryLake } from '../../infra/lake/store.ts';
import { logLakeWorker } from '../../processors/logs/lake-worker.ts';
import { startProcessor } from '../../processors/runtime/runner.ts';
import { ParquetWriter } from '../../processors/logs/parquet-writer.ts';
import { lakeRowOf } from '../../processors/logs/stager.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { logEntry } from '../support/lake.ts';
import { quietLogger, testConfig, uniqueName } from '../support/platform.ts';

export const LAKE_BENCH = { rows: 200_000, organizations: 4, hours: 12, batch: 1000 } as const;
const TYPES = ['web', 'app', 'agw'] as const;

export interface LakeFigures {
  readonly rows: number;
  /** From the first staged entry to the last row stored: staging, then closing every file. */
  readonly pipelinePerSecond: number;
  /** The same, counting the consumer group's join. */
  readonly withJoinPerSecond: number;
  /** Kafka into the Postgres staging table (consume, decode, stage with the checkpoint). */
  readonly stagePerSecond: number;
  /** Staged entries into stored Parquet files (claim, write, store, record), every file at once. */
  readonly closePerSecond: number;
  readonly duckdbPerSecond: number;
  /** DuckDB writing the same rows into the lake's layout, a file per partition. */
  readonly duckdbPartitionedPerSecond: number;
  /** The runtime reading the same entries with a handler that does nothing: staging's own bound. */
  readonly decodeOnlyPerSecond: number;
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

/** The number of entry `i`'s partition (organization, type, hour), as `entryAt` spreads them. */
const partitionOf = (i: number) => {
  const { organizations, hours } = LAKE_BENCH;
  const type = Math.floor(i / organizations) % TYPES.length;
  const hour = Math.floor(i / (organizations * TYPES.length)) % hours;
  return ((i % organizations) * TYPES.length + type) * hours + hour;
};

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

/**
 * DuckDB alone, the same rows (as the stager makes them): one COPY into one zstd Parquet file (the
 * target's ceiling), then into the lake's layout (a file per partition, one statement: not the
 * ceiling, it shows what the layout's small files cost any writer). In a function of its own so
 * that the rows are garbage before the partitioner runs: held, they made every major collection
 * of the partitioner's process walk them (a quarter of its main thread at 200,000 rows).
 */
async function duckdbAlone(rows: number): Promise<{ duckdbPerSecond: number; duckdbPartitionedPerSecond: number }> {
  const sample = Array.from({ length: rows }, (_, i) =>
    lakeRowOf({ event: entryAt(i), topic: 'logs.entries', partition: 0, offset: String(i), key: null }),
  );
  const scratch = await mkdtemp(join(tmpdir(), 'tributary-bench-lake-'));
  const writer = new ParquetWriter();
  try {
    const directStarted = performance.now();
    await writer.write(sample, join(scratch, 'direct.parquet'));
    const duckdbPerSecond = rows / ((performance.now() - directStarted) / 1000);
    const partitionedStarted = performance.now();
    const input = join(scratch, 'rows.ndjson');
    await writeFile(input, sample.map((row, i) => JSON.stringify({ lake_file: partitionOf(i), ...row })).join('\n'));
    const numbers = [...new Set(sample.map((_, i) => partitionOf(i)))];
    await writer.writeNumbered(input, numbers, join(scratch, 'partitioned'));
    const duckdbPartitionedPerSecond = rows / ((performance.now() - partitionedStarted) / 1000);
    return { duckdbPerSecond, duckdbPartitionedPerSecond };
  } finally {
    writer.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The runtime reading the same entries with a handler that does nothing (fetch, decode, batch
 * loop, Kafka commit), from the first batch to the last: the partitioner consumes through the same
 * runtime, so its staging can be no faster, and this bounds the whole figure before any lake work.
 */
async function decodeOnly(backbone: Backbone, rows: number): Promise<number> {
  let seen = 0;
  let first = 0;
  let allSeen: (at: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (allSeen = resolve));
  const consumer = await startProcessor(
    {
      name: uniqueName('bench-lake-decode-only'),
      topics: [backbone.topics['logs.entries']],
      mode: 'at-least-once',
      async handle(batch) {
        if (seen === 0) first = performance.now();
        seen += batch.length;
        if (seen >= rows) allSeen(performance.now());
      },
    },
    backbone.runtime(),
  );
  try {
    const last = await done;
    return rows / ((last - first) / 1000);
  } finally {
    await consumer.stop();
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

  const { duckdbPerSecond, duckdbPartitionedPerSecond } = await duckdbAlone(rows);
  progress('reading the entries with a handler that does nothing');
  const decodeOnlyPerSecond = await decodeOnly(backbone, rows);

  progress('running the partitioner from offset zero');
  const directory = mkdtempSync(join(tmpdir(), 'tributary-bench-lake-'));
  // Production's file-close settings (LAKE_FILE_MAX_BYTES 64 MiB, LAKE_FILE_MAX_ROWS 500,000 by
  // default, LAKE_FILE_MAX_AGE_SECONDS 300 outside local): no partition of the bench fills a file,
  // so each would close on age, 5 minutes after its first entry. The stream ends instead once
  // every entry is staged, and the bench closes every file then (what the age does later):
  // one file per partition, as large as the bench's rows allow.
  // The flush loop's own cycle would race the bench's close (both finishing the same flushes), so
  // it waits past the run: with files closing on age only, the cycle's interval changes nothing else.
  const config = await testConfig({
    LAKE_DIRECTORY: directory,
    LAKE_FILE_MAX_AGE_SECONDS: '300',
    LAKE_FLUSH_INTERVAL_MS: '3600000',
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
  const staged = async () =>
    Number(
      (await backbone.pool.query(`select coalesce(sum(entries), 0)::int as n from "${schema}".log_lake_segments`))
        .rows[0].n,
    );
  let joined: number;
  let allStaged: number;
  let ended: number;
  try {
    // The consumer group's join is not throughput: the steady figure starts at the first staged entry.
    // Polled often: the bench's noticing is inside the figure, and 50 ms was 3% of a 20,000-entry run.
    while ((await staged()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    joined = performance.now();
    for (let n = 0; n < rows; n = await staged()) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      progress(`  ${n.toLocaleString('en')} entries staged`);
    }
    allStaged = performance.now();
    await running.flusher.flushDue({ all: true });
    ended = performance.now();
  } finally {
    await running.stop();
    // Each run's staging tables are its own: emptied by the close, but left they pile up run after run.
    await backbone.pool.query(`drop schema if exists "${schema}" cascade`);
  }
  const stored = await rowsInLake(directory);
  if (stored !== rows) throw new Error(`the lake holds ${stored} rows, not ${rows}`);
  const pipelinePerSecond = rows / ((ended - joined) / 1000);
  const withJoinPerSecond = rows / ((ended - started) / 1000);
  const stagePerSecond = rows / ((allStaged - joined) / 1000);
  const closePerSecond = rows / ((ended - allStaged) / 1000);

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
  // Without pruning, the same query would open every file of the lake.
  const filesWithoutPruning = (await lake.list('logs/')).length;
  await rm(directory, { recursive: true, force: true });
  return {
    rows,
    pipelinePerSecond,
    withJoinPerSecond,
    stagePerSecond,
    closePerSecond,
    duckdbPerSecond,
    duckdbPartitionedPerSecond,
    decodeOnlyPerSecond,
    filesRead: query.objects.length,
    filesWithoutPruning,
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
    `| of which Kafka → staged, entries/s | ${n(f.stagePerSecond)} | |`,
    `| of which staged → Parquet files, entries/s | ${n(f.closePerSecond)} | |`,
    `| DuckDB → Parquet directly, entries/s | ${n(f.duckdbPerSecond)} | |`,
    `| ratio | ${(f.pipelinePerSecond / f.duckdbPerSecond).toFixed(2)} | ≥ 0.70 |`,
    `| DuckDB → the same rows in the lake’s layout (a file per partition, one statement), entries/s | ${n(f.duckdbPartitionedPerSecond)} | |`,
    `| partitioner / that | ${(f.pipelinePerSecond / f.duckdbPartitionedPerSecond).toFixed(2)} | |`,
    `| the runtime reading the same entries with a handler that does nothing, entries/s | ${n(f.decodeOnlyPerSecond)} | |`,
    `| that / DuckDB one file | ${(f.decodeOnlyPerSecond / f.duckdbPerSecond).toFixed(2)} | |`,
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
