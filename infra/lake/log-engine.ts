import type { AwsClients } from '../aws/clients.ts';
import type { LakeSettings } from '../config/shape.ts';
import { runAthenaQuery, type AthenaProgress, type SqlResult } from './athena.ts';
import { athenaLogQuery } from './athena-sql.ts';
import { runLakeSql } from './lake-sql.ts';
import type { LogQuery } from './log-query.ts';
import { queryLogs, type LogQueryResult } from './query-logs.ts';
import { lakeStoreOf } from './store.ts';

/** What answered a query and what it cost: files read (DuckDB) or bytes scanned (Athena). */
export interface EngineResult extends LogQueryResult {
  readonly engine: 'duckdb' | 'athena';
  readonly scannedBytes?: number;
}

/**
 * The lake's one query interface: DuckDB over the files (the directory, or the objects fetched
 * from S3) or Athena over the bucket, as LAKE_QUERY_ENGINE says. Callers never know which.
 */
export interface LogQueryEngine {
  readonly name: 'duckdb' | 'athena';
  /** A structured query of one organization: reads only its partitions. */
  structured(query: LogQuery, onProgress?: (progress: AthenaProgress) => void): Promise<EngineResult>;
  /** An analyst's read-only SQL over `<database>.logs_<type>` tables (the operator's CLI only). */
  sql(
    sql: string,
    options?: { prefixes?: readonly string[]; maxRows?: number; onProgress?: (progress: AthenaProgress) => void },
  ): Promise<SqlResult & { files?: number }>;
}

export function logQueryEngineOf(lake: LakeSettings, aws: Pick<AwsClients, 's3' | 'athena'>): LogQueryEngine {
  const { athena } = lake.query;
  if (lake.query.engine === 'athena')
    return {
      name: 'athena',
      async structured(query, onProgress) {
        const { sql, parameters } = athenaLogQuery(query, athena.database);
        const result = await runAthenaQuery(aws.athena, sql, athena, {
          parameters,
          maxRows: query.limit,
          ...(onProgress ? { onProgress } : {}),
        });
        return {
          engine: 'athena',
          objects: [],
          rows: result.rows.map((row) => ({ ...row, events: row.events ? JSON.parse(row.events) : [] })),
          ...(result.scannedBytes !== undefined ? { scannedBytes: result.scannedBytes } : {}),
        };
      },
      sql: (sql, options = {}) =>
        runAthenaQuery(aws.athena, sql, athena, {
          ...(options.maxRows !== undefined ? { maxRows: options.maxRows } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        }),
    };
  const store = lakeStoreOf(lake, aws.s3);
  return {
    name: 'duckdb',
    async structured(query) {
      return { engine: 'duckdb', ...(await queryLogs(store, query)) };
    },
    sql: (sql, options = {}) =>
      runLakeSql(store, sql, {
        database: athena.database,
        ...(options.prefixes ? { prefixes: options.prefixes } : {}),
        ...(options.maxRows !== undefined ? { maxRows: options.maxRows } : {}),
      }),
  };
}
