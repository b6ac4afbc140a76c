import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, StatementType } from '@duckdb/node-api';
import { OperatorError } from '../errors.ts';
import type { SqlResult } from './athena.ts';
import { LAKE_COLUMNS } from '../../processors/logs/parquet-writer.ts';
import { tableOf } from './athena-ddl.ts';
import { LOG_TYPES } from './log-query.ts';
import { visibleObjects } from './layout.ts';
import type { LakeStore } from './store.ts';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Runs a read-only SQL statement with DuckDB over the lake, with the same table names Athena
 * has (`<database>.logs_<type>`, partition columns included), so an analyst's SQL runs on a
 * laptop as it runs on Athena. DuckDB prunes Hive partitions by the query's filters before it
 * opens a file. From S3, only the objects under `prefixes` are fetched (every one of logs/ when
 * none are given): name the partitions a query needs to fetch no more.
 */
export async function runLakeSql(
  store: LakeStore,
  sql: string,
  options: { database: string; prefixes?: readonly string[]; maxRows?: number },
): Promise<SqlResult & { files: number }> {
  const scratch = await mkdtemp(join(tmpdir(), 'tributary-sql-'));
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const keys = visibleObjects((await Promise.all((options.prefixes ?? ['logs/']).map((p) => store.list(p)))).flat());
    await connection.run(`create schema ${options.database}`);
    for (const logType of LOG_TYPES) {
      const table = tableOf(options.database, logType);
      const ofType = keys.filter((key) => key.includes(`/logtype=${logType}/`));
      if (ofType.length > 0) {
        // Named files, not a glob: a compacted file's sources may not be deleted yet.
        const files = await Promise.all(ofType.map((key) => store.local(key, scratch)));
        await connection.run(
          `create view ${table} as select * exclude (logtype) from read_parquet([${files.map(literal).join(', ')}], hive_partitioning = true, hive_types_autocast = false)`,
        );
      } else {
        // A type without files is an empty table: querying it answers nothing rather than an error.
        const columns = Object.entries(LAKE_COLUMNS).map(([name, type]) => `${name} ${type}`);
        const partitions = ['environment', 'organization', 'year', 'month', 'day', 'hour'].map((p) => `${p} VARCHAR`);
        await connection.run(`create table ${table} (${[...columns, ...partitions].join(', ')})`);
      }
    }
    const statements = await connection.extractStatements(sql);
    if (statements.count !== 1) throw new OperatorError(`give one SQL statement (got ${statements.count})`);
    const prepared = await statements.prepare(0);
    if (prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN)
      throw new OperatorError('the lake is queried read-only: give a SELECT (or EXPLAIN)');
    const reader = await prepared.runAndReadAll();
    const columns = reader.columnNames();
    const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
    const limited = options.maxRows === undefined ? rows : rows.slice(0, options.maxRows);
    return {
      columns,
      rows: limited.map((row) =>
        Object.fromEntries(
          columns.map((c) => {
            const value = row[c];
            return [
              c,
              value === null || value === undefined
                ? null
                : typeof value === 'object'
                  ? JSON.stringify(value)
                  : String(value),
            ];
          }),
        ),
      ),
      files: keys.length,
    };
  } finally {
    connection.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
}
