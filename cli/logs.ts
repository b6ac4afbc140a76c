import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { createAthenaClient, createS3Client } from '../infra/aws/clients.ts';
import { loadConfig } from '../infra/config/index.ts';
import { OperatorError } from '../infra/errors.ts';
import { runAthenaQuery, type AthenaProgress } from '../infra/lake/athena.ts';
import { lakeDdl } from '../infra/lake/athena-ddl.ts';
import { compactLake } from '../infra/lake/compact.ts';
import { partitionPath } from '../infra/lake/layout.ts';
import { logQueryEngineOf } from '../infra/lake/log-engine.ts';
import { LOG_TYPES, type LogTypeName } from '../infra/lake/log-query.ts';
import { lakeStoreOf } from '../infra/lake/store.ts';
import { loadEventSchemas } from '../schemas/avro.ts';
import { print, table } from './output.ts';

/** LogEntry's schema with its named types expanded: what the tables' columns are generated from. */
export function logEntrySchema(): string {
  const schema = loadEventSchemas().find((s) => s.name === 'LogEntry');
  if (!schema) throw new Error('schemas/logs/log-entry.avsc is missing');
  return schema.canonical;
}

/** A progress line on stderr while a query runs: rewritten in place on a terminal, every 5 s otherwise. */
function queryProgress(label: string) {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  let shown = false;
  return {
    update(p: AthenaProgress) {
      const line = `${label}: ${p.state.toLowerCase()}, ${(p.elapsedMs / 1000).toFixed(1)} s, ${(p.scannedBytes / 1e6).toFixed(1)} MB scanned`;
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line}`);
        shown = true;
      } else if (Date.now() - lastPrinted >= 5000) {
        process.stderr.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}

/** The most hours `--hours` names: a year's, so a typo cannot list millions of prefixes. */
const MAX_HOURS = 24 * 366;

/** Commander's way to repeat an option: `--type web --type app`. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

interface QueryOptions {
  readonly format: 'table' | 'ndjson' | 'csv';
  readonly limit: string;
  readonly org?: string;
  readonly type?: string[];
  readonly from?: string;
  readonly hours: string;
  readonly environment?: string;
}

/** The partitions `--org/--type/--from/--hours` name: from S3, DuckDB fetches only their objects. */
function prefixesOf(options: QueryOptions, environment: string): string[] | undefined {
  if (!options.org) return undefined;
  const types = (options.type ?? [...LOG_TYPES]) as LogTypeName[];
  const unknown = types.filter((t) => !LOG_TYPES.includes(t));
  if (unknown.length > 0)
    throw new OperatorError(`--type ${unknown.join(', ')}: the types are ${LOG_TYPES.join(', ')}`);
  const base = { environment, organizationId: options.org };
  if (!options.from)
    return types.map((logType) => `${partitionPath({ ...base, logType, hour: new Date(0) }).split('/year=')[0]}/`);
  const from = new Date(options.from);
  if (Number.isNaN(from.getTime()))
    throw new OperatorError(`--from ${options.from} is not a time (ISO 8601, e.g. 2026-11-22T10:00Z)`);
  const hours = Number(options.hours);
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURS)
    throw new OperatorError(`--hours must be a whole number from 1 to ${MAX_HOURS}, not ${options.hours}`);
  return types.flatMap((logType) =>
    Array.from(
      { length: hours },
      (_, i) => `${partitionPath({ ...base, logType, hour: new Date(from.getTime() + i * 3_600_000) })}/`,
    ),
  );
}

export function registerLogCommands(program: Command): void {
  const logs = program.command('logs').description('the log lake: its Athena tables, SQL queries, compaction');

  logs
    .command('ddl')
    .description(
      'print CREATE EXTERNAL TABLE for each log type (generated from the LogEntry Avro schema, with partition projection: no partition repair, ever); --apply runs them on Athena',
    )
    .option('--apply', 'run the statements on Athena (ATHENA_WORKGROUP, ATHENA_OUTPUT_LOCATION)')
    .action(async (options: { apply?: boolean }) => {
      const { config } = await loadConfig();
      const statements = lakeDdl(logEntrySchema(), {
        database: config.lake.query.athena.database,
        bucket: config.lake.bucket,
      });
      if (!options.apply) {
        print(statements.join('\n\n'));
        return;
      }
      const athena = createAthenaClient(config.aws);
      for (const statement of statements) {
        const name = /(?:DATABASE|TABLE) IF NOT EXISTS (\S+)/.exec(statement)?.[1] ?? 'statement';
        // The database statement runs before the database exists: run it in the default one.
        const database = statement.startsWith('CREATE DATABASE') ? 'default' : config.lake.query.athena.database;
        await runAthenaQuery(athena, statement, { ...config.lake.query.athena, database });
        print(`created ${name} (if it was missing)`);
      }
    });

  logs
    .command('query <sql>')
    .description(
      'run a read-only SQL statement over the lake’s tables (<ATHENA_DATABASE>.logs_<type>): on Athena when LAKE_QUERY_ENGINE=athena, else with DuckDB over the lake directory or the bucket',
    )
    .option('--format <format>', 'table, ndjson or csv', 'table')
    .option('--limit <rows>', 'at most this many rows are printed', '1000')
    .option('--org <id>', 'DuckDB: read only this organization’s objects (by default, those the WHERE allows)')
    // Repeated rather than variadic: `<types...>` took the SQL after it for a type.
    .option('--type <type>', 'DuckDB over S3: with --org, only this log type (repeat for more)', collect)
    .option('--from <time>', 'DuckDB over S3: with --org, only the hours from this one')
    .option('--hours <count>', 'with --from, how many hours', '1')
    .option('--environment <env>', 'with --org, the environment (default: ENVIRONMENT)')
    .action(async (sql: string, options: QueryOptions) => {
      if (!['table', 'ndjson', 'csv'].includes(options.format))
        throw new OperatorError(`--format must be table, ndjson or csv, not ${options.format}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new OperatorError(`--limit must be a whole number above 0`);
      const { config } = await loadConfig();
      if (config.lake.query.engine === 'duckdb') lakeDirectoryExists(config.lake);
      const engine = logQueryEngineOf(config.lake, {
        s3: createS3Client(config.aws),
        athena: createAthenaClient(config.aws),
      });
      const prefixes = prefixesOf(options, options.environment ?? config.environment);
      const progress = queryProgress(engine.name === 'athena' ? 'athena' : 'duckdb');
      const started = Date.now();
      // DuckDB reports no states: show that the query is moving all the same.
      const ticker =
        engine.name === 'duckdb'
          ? setInterval(
              () => progress.update({ state: 'RUNNING', elapsedMs: Date.now() - started, scannedBytes: 0 }),
              1000,
            )
          : undefined;
      try {
        const result = await engine.sql(sql, {
          maxRows: limit,
          onProgress: (p) => progress.update(p),
          ...(prefixes ? { prefixes } : {}),
        });
        progress.done();
        if (options.format === 'ndjson') for (const row of result.rows) print(JSON.stringify(row));
        else if (options.format === 'csv')
          process.stdout.write(
            stringify(result.rows as Record<string, unknown>[], {
              header: true,
              columns: [...result.columns],
              escape_formulas: true,
            }),
          );
        else
          print(
            table(
              result.columns,
              result.rows.map((row) => result.columns.map((c) => row[c] ?? '')),
            ),
          );
        const cost =
          result.files !== undefined
            ? `${result.files} file(s)`
            : `${((result.scannedBytes ?? 0) / 1e6).toFixed(1)} MB scanned`;
        process.stderr.write(
          `${result.rows.length} row(s), ${cost}, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
      } finally {
        clearInterval(ticker);
      }
    });

  logs
    .command('compact')
    .description(
      'merge each finished hour’s small files into one per partition, atomically (the new file first, the old ones after), keeping every row',
    )
    .option(
      '--before <time>',
      'compact hours that ended before this time (default: LAKE_FILE_MAX_AGE_SECONDS plus a minute ago)',
    )
    .option('--prefix <prefix>', 'only objects under this key prefix', 'logs/')
    .action(async (options: { before?: string; prefix: string }) => {
      const { config } = await loadConfig();
      const finishedBefore = options.before
        ? new Date(options.before)
        : new Date(Date.now() - config.lake.maxAgeMs - 60_000);
      if (Number.isNaN(finishedBefore.getTime())) throw new OperatorError(`--before ${options.before} is not a time`);
      if (!options.prefix.startsWith('logs/') || options.prefix.split('/').includes('..'))
        throw new OperatorError(`--prefix must be a key prefix under logs/ (without ..), not ${options.prefix}`);
      lakeDirectoryExists(config.lake);
      const store = lakeStoreOf(config.lake, createS3Client(config.aws));
      const done = await compactLake(store, {
        finishedBefore,
        prefix: options.prefix,
        onPartition: (p) => print(`${p.folder}: ${p.replaced.length} files -> 1 (${p.rows} rows)`),
      });
      print(`${done.length} partition(s) compacted in ${store.location}`);
    });
}

/**
 * The lake directory of the `directory` target, which must exist: a path that does not (a typo,
 * or the relative default `.stack/lake` from another folder) queried as an empty lake, 0 rows and
 * 0 files without a word.
 */
function lakeDirectoryExists(lake: { readonly target: 'directory' | 's3'; readonly directory: string }): void {
  if (lake.target !== 'directory') return;
  const path = resolve(lake.directory);
  if (existsSync(path) && !statSync(path).isDirectory())
    throw new OperatorError(`the lake directory ${path} is a file, not a directory (LAKE_DIRECTORY)`);
  if (!existsSync(path))
    throw new OperatorError(
      `the lake directory ${path} does not exist (LAKE_DIRECTORY is ${lake.directory}${isAbsolute(lake.directory) ? '' : ', relative to the current folder'}): nothing was written there yet, or this is not the folder the partitioner runs from`,
    );
}
