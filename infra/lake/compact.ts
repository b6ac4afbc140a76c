import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { hourOfFolder, parseObjectKey, visibleObjects, type ObjectName } from './layout.ts';
import type { LakeStore } from './store.ts';

export interface CompactedPartition {
  readonly folder: string;
  /** The merged object. */
  readonly key: string;
  /** The objects it replaced (deleted after it was stored). */
  readonly replaced: readonly string[];
  readonly rows: number;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Merges each finished hour's small files into one per partition (and Kafka partition): the rows
 * of every visible file, in offset order, into one zstd Parquet object named by the whole offset
 * range, so it covers the files it replaces. In order: the new object is stored (readers then
 * ignore the files it covers: see visibleObjects), its row count is checked against the sum of
 * theirs, then they are deleted. A crash in between leaves covered files that readers skip and
 * the next run deletes; a late entry's file after compaction is merged by the next run.
 */
export async function compactLake(
  store: LakeStore,
  options: { finishedBefore: Date; prefix?: string; onPartition?: (done: CompactedPartition) => void },
): Promise<CompactedPartition[]> {
  const all = await store.list(options.prefix ?? 'logs/');
  const visible = new Set(visibleObjects(all));
  const finished = (name: ObjectName) => {
    const hour = hourOfFolder(name.folder);
    return hour !== undefined && hour.getTime() + 3_600_000 <= options.finishedBefore.getTime();
  };
  const names = all.map(parseObjectKey).filter((name): name is ObjectName => name !== undefined && finished(name));

  // Leftovers of a run that stored its merged object and died before deleting: covered, so unread.
  for (const covered of names.filter((name) => !visible.has(name.key))) await store.remove(covered.key);

  const groups = new Map<string, ObjectName[]>();
  for (const name of names.filter((n) => visible.has(n.key))) {
    const group = `${name.folder}\u0000${name.topic}\u0000${name.partition}`;
    groups.set(group, [...(groups.get(group) ?? []), name]);
  }
  const done: CompactedPartition[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'tributary-compact-'));
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    for (const files of groups.values()) {
      if (files.length < 2) continue;
      const first = files.reduce((min, f) => (f.first < min ? f.first : min), files[0]!.first);
      const last = files.reduce((max, f) => (f.last > max ? f.last : max), files[0]!.last);
      const { folder, topic, partition } = files[0]!;
      const key = `${folder}/${topic}+${partition}+${first}-${last}.parquet`;
      const locals = await Promise.all(files.map((f) => store.local(f.key, scratch)));
      const list = `[${locals.map(literal).join(', ')}]`;
      const target = join(scratch, `merged-${done.length}.parquet`);
      await connection.run(
        `COPY (SELECT * FROM read_parquet(${list}, hive_partitioning = false) ORDER BY kafka_offset)
         TO ${literal(target)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const count = async (source: string) =>
        Number(
          (
            await connection.runAndReadAll(
              `SELECT count(*) AS n FROM read_parquet(${source}, hive_partitioning = false)`,
            )
          ).getRowObjects()[0]!.n,
        );
      const expected = await count(list);
      const merged = await count(literal(target));
      if (merged !== expected)
        throw new Error(`compaction of ${folder} made ${merged} rows from ${expected}; nothing was replaced`);
      await store.put(key, target);
      for (const file of files) await store.remove(file.key);
      const compacted = { folder, key, replaced: files.map((f) => f.key), rows: merged };
      options.onPartition?.(compacted);
      done.push(compacted);
    }
  } finally {
    connection.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
  return done;
}
