import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { OperatorError } from '../errors.ts';
import type { SqlResult } from './athena.ts';
import { LAKE_COLUMNS } from '../../processors/logs/parquet-writer.ts';
import { tableOf } from './athena-ddl.ts';
import { LOG_TYPES } from './log-query.ts';
import { partitionPath, visibleObjects } from './layout.ts';
import { keyAllowed, partitionFilterOf } from './sql-partitions.ts';
import type { LakeStore } from './store.ts';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Runs a read-only SQL statement with DuckDB over the lake, with the same table names Athena
 * has (`<database>.logs_<type>`, partition columns included), so an analyst's SQL runs on a
 * laptop as it runs on Athena. Only the objects of the partitions the statement can read are
 * listed, fetched (from S3) and opened: those under `prefixes` when given, else those its WHERE
 * allows (a plain SELECT from one table, narrowed by = and IN on partition columns).
 */
/**
 * The objects a statement can read: under the given prefixes, or those of the partitions its own
 * WHERE allows (see partitionFilterOf), listed under the narrowest prefix it names.
 */
async function keysFor(
  connection: DuckDBConnection,
  store: LakeStore,
  sql: string,
  options: { database: string; prefixes?: readonly string[] },
): Promise<string[]> {
  if (options.prefixes) return (await Promise.all(options.prefixes.map((p) => store.list(p)))).flat();
  const filter = await partitionFilterOf(connection, sql, options.database);
  const [environment, ...moreEnvironments] = filter.allowed.environment ?? [];
  const [organization, ...moreOrganizations] = filter.allowed.organization ?? [];
  const narrow =
    filter.logTypes.length === 1 &&
    environment &&
    'text' in environment &&
    moreEnvironments.length === 0 &&
    organization &&
    'text' in organization &&
    moreOrganizations.length === 0;
  const prefix = narrow
    ? `${partitionPath({ environment: environment.text, organizationId: organization.text, logType: filter.logTypes[0]!, hour: new Date(0) }).split('/year=')[0]}/`
    : 'logs/';
  return (await store.list(prefix)).filter((key) => keyAllowed(key, filter));
}

export async function runLakeSql(
  store: LakeStore,
  sql: string,
  options: { database: string; prefixes?: readonly string[]; maxRows?: number },
): Promise<SqlResult & { files: number }> {
  const scratch = await mkdtemp(join(tmpdir(), 'tributary-sql-'));
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const keys = visibleObjects(await keysFor(connection, store, sql, options));
    const opened: string[] = [];
    await connection.run(`create schema ${options.database}`);
    for (const logType of LOG_TYPES) {
      const table = tableOf(options.database, logType);
      const ofType = keys.filter((key) => key.includes(`/logtype=${logType}/`));
      if (ofType.length > 0) {
        // Named files, not a glob: a compacted file's sources may not be deleted yet.
        const files = await Promise.all(ofType.map((key) => store.local(key, scratch)));
        opened.push(...files);
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
    // The statement reads the lake's tables and nothing else: not another file of the host, not
    // another organization's objects (read_parquet of a path), not an extension from the network.
    await connection.run('set autoinstall_known_extensions = false');
    await connection.run('set autoload_known_extensions = false');
    await connection.run(`set allowed_paths = [${opened.map(literal).join(', ')}]`);
    await connection.run('set enable_external_access = false');
    await connection.run('set lock_configuration = true');
    if (sql.trim() === '') throw new OperatorError('give a SQL statement (the text is empty)');
    const statements = await connection.extractStatements(sql).catch((error: Error) => {
      throw new OperatorError(`the SQL does not parse: ${error.message}`);
    });
    if (statements.count !== 1) throw new OperatorError(`give one SQL statement (got ${statements.count})`);
    // DuckDB's errors here are the statement's (a name it lacks, a file it may not read): the
    // caller's to fix, said as such rather than with our stack.
    const failed = (error: Error) => {
      throw new OperatorError(`the query failed: ${error.message}`);
    };
    const prepared = await statements.prepare(0).catch(failed);
    if (prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN)
      throw new OperatorError('the lake is queried read-only: give a SELECT (or EXPLAIN)');
    const reader = await prepared.runAndReadAll().catch(failed);
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
