import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { visibleObjects } from './layout.ts';
import { conditionsOf, LOG_ROW_COLUMNS, partitionsOf, type LogQuery } from './log-query.ts';
import type { LakeStore } from './store.ts';

export interface LogQueryResult {
  /** Rows as JSON values, with LOG_ROW_COLUMNS in order (the partition values logtype to hour included). */
  readonly rows: readonly Record<string, unknown>[];
  /** The lake objects the query read: only those of its partitions. */
  readonly objects: readonly string[];
}

/**
 * Runs a structured log query with DuckDB over the lake, wherever it is: it lists only the query's
 * partitions, reads (or, from S3, fetches) only their objects, and filters with the query's
 * conditions. The organization is part of every partition path, so no other organization's file
 * is ever opened.
 */
export async function queryLogs(store: LakeStore, query: LogQuery): Promise<LogQueryResult> {
  for (let attempt = 1; ; attempt += 1) {
    const objects = await listObjects(store, query);
    try {
      return await readObjects(store, query, objects);
    } catch (error) {
      // Compaction stores the merged file, then deletes the small ones: a query that listed them
      // just before finds one gone. Listed again, it reads the merged file instead.
      const changed = (await listObjects(store, query)).join('\n') !== objects.join('\n');
      if (!changed || attempt === LISTINGS) throw error;
    }
  }
}

/** How many times a query lists its partitions when the files change under it (compaction). */
const LISTINGS = 3;

async function listObjects(store: LakeStore, query: LogQuery): Promise<string[]> {
  return visibleObjects((await Promise.all(partitionsOf(query).map((prefix) => store.list(prefix)))).flat());
}

async function readObjects(store: LakeStore, query: LogQuery, objects: string[]): Promise<LogQueryResult> {
  if (objects.length === 0) return { rows: [], objects };
  const scratch = await mkdtemp(join(tmpdir(), 'tributary-query-'));
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const files = await Promise.all(objects.map((key) => store.local(key, scratch)));
    const { where, params } = conditionsOf(query);
    const list = `[${files.map((file) => `'${file.replace(/'/g, "''")}'`).join(', ')}]`;
    const reader = await connection.runAndReadAll(
      `select ${LOG_ROW_COLUMNS.join(', ')} from read_parquet(${list}, hive_partitioning = true, hive_types_autocast = false)
       where ${where} order by occurred_at, kafka_offset limit ${Math.trunc(query.limit)}`,
      params,
    );
    return { rows: reader.getRowObjectsJson() as Record<string, unknown>[], objects };
  } finally {
    connection.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
}
