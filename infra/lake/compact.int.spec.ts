import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParquetWriter, type LakeRow } from '../../processors/logs/parquet-writer.ts';
import { compactLake } from './compact.ts';
import { runLakeSql } from './lake-sql.ts';
import { queryLogs } from './query-logs.ts';
import { DirectoryLake, type LakeStore } from './store.ts';

const folder = (hour: string) =>
  `logs/environment=test/organization=org-c/logtype=web/year=2026/month=11/day=17/hour=${hour}`;

function row(offset: number, hour: string): LakeRow {
  return {
    event_id: `00000000-0000-4000-8000-${String(offset).padStart(12, '0')}`,
    occurred_at: `2026-11-17T${hour}:00:${String(offset % 60).padStart(2, '0')}.000Z`,
    server: 'web-1',
    level: 'info',
    message: `entry ${offset}`,
    correlation_id: `tx-${offset}`,
    events: [],
    kafka_topic: 'logs.entries',
    kafka_partition: 0,
    kafka_offset: String(offset),
  };
}

/** Stores the rows of offsets [first, last] as the partitioner would name them. */
async function stored(lake: DirectoryLake, writer: ParquetWriter, hour: string, first: number, last: number) {
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-compact-test-')), 'f.parquet');
  await writer.write(
    Array.from({ length: last - first + 1 }, (_, i) => row(first + i, hour)),
    file,
  );
  const key = `${folder(hour)}/logs.entries+0+${first}-${last}.parquet`;
  await lake.put(key, file);
  return key;
}

const count = async (lake: DirectoryLake, hour: string) =>
  Number(
    (
      await runLakeSql(lake, `select count(*) as n from tributary_logs.logs_web where hour = '${hour}'`, {
        database: 'tributary_logs',
      })
    ).rows[0]!.n,
  );

describe('tributary logs compact', () => {
  it('when a finished hour has several small files, then they become one file with every row, and an unfinished hour is left alone', async () => {
    const lake = new DirectoryLake(mkdtempSync(join(tmpdir(), 'tributary-compact-')));
    const writer = new ParquetWriter();
    await stored(lake, writer, '10', 0, 4);
    await stored(lake, writer, '10', 5, 11);
    await stored(lake, writer, '10', 14, 20);
    await stored(lake, writer, '11', 12, 13);
    await stored(lake, writer, '11', 21, 22);
    expect(await count(lake, '10')).toBe(19);

    const done = await compactLake(lake, { finishedBefore: new Date('2026-11-17T11:30:00Z') });

    expect(done).toHaveLength(1);
    expect(await lake.list(`${folder('10')}/`)).toEqual([`${folder('10')}/logs.entries+0+0-20.parquet`]);
    expect(done[0]).toMatchObject({ rows: 19 });
    expect(await count(lake, '10')).toBe(19);
    expect(await lake.list(`${folder('11')}/`)).toHaveLength(2);
    writer.close();
  });

  it('when a run died after storing the merged file, then readers see each row once and the next run deletes the leftovers', async () => {
    const lake = new DirectoryLake(mkdtempSync(join(tmpdir(), 'tributary-compact-')));
    const writer = new ParquetWriter();
    const small = [await stored(lake, writer, '10', 0, 2), await stored(lake, writer, '10', 3, 5)];
    // The merged object is there, the small ones are not deleted yet.
    await stored(lake, writer, '10', 0, 5);
    expect(await count(lake, '10')).toBe(6);

    await compactLake(lake, { finishedBefore: new Date('2026-11-18T00:00:00Z') });

    const left = await lake.list(`${folder('10')}/`);
    expect(left).toEqual([`${folder('10')}/logs.entries+0+0-5.parquet`]);
    expect(left).not.toContain(small[0]);
    expect(await count(lake, '10')).toBe(6);
    writer.close();
  });

  it('when compaction runs while a structured query reads the hour, then the query still answers every row once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-compact-'));
    const lake = new DirectoryLake(root);
    const writer = new ParquetWriter();
    await stored(lake, writer, '10', 0, 4);
    await stored(lake, writer, '10', 5, 11);
    // The query lists the two small files; compaction merges them and deletes them before it opens one.
    let compacted = false;
    const racing: LakeStore = {
      location: lake.location,
      list: (prefix) => lake.list(prefix),
      put: (key, file) => lake.put(key, file),
      remove: (key) => lake.remove(key),
      local: async (key, scratch) => {
        if (!compacted) {
          compacted = true;
          await compactLake(lake, { finishedBefore: new Date('2026-11-18T00:00:00Z') });
        }
        return lake.local(key, scratch);
      },
    };
    const query = {
      environment: 'test',
      organizationId: 'org-c',
      from: new Date('2026-11-17T10:00:00Z'),
      to: new Date('2026-11-17T11:00:00Z'),
      limit: 100,
    };

    const result = await queryLogs(racing, query);

    expect(compacted).toBe(true);
    expect(result.objects).toEqual([`${folder('10')}/logs.entries+0+0-11.parquet`]);
    expect(result.rows.map((r) => r.kafka_offset)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    writer.close();
  });

  it('when SQL would write, then it is refused: the lake is queried read-only', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-compact-'));
    const lake = new DirectoryLake(root);
    const target = join(root, 'written.csv');
    // Refused as a write, or earlier as a file the statement may not touch: either way nothing is written.
    await expect(runLakeSql(lake, `copy (select 1) to '${target}'`, { database: 'tributary_logs' })).rejects.toThrow(
      /read-only|file system operations are disabled/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('when SQL reads a file of the host, another organization’s objects by path, or says nothing, then it is refused, naming why', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-compact-'));
    const lake = new DirectoryLake(root);
    const writer = new ParquetWriter();
    try {
      await stored(lake, writer, '05', 0, 2);
      const sql = (text: string, prefixes?: string[]) =>
        runLakeSql(lake, text, { database: 'tributary_logs', ...(prefixes ? { prefixes } : {}) });
      const otherOrganization = ['logs/environment=test/organization=org-other/'];

      await expect(sql(`select * from read_csv('/etc/passwd')`)).rejects.toThrow(/Permission Error/);
      await expect(
        sql(`select count(*) from read_parquet('${root}/logs/**/*.parquet')`, otherOrganization),
      ).rejects.toThrow(/Permission Error/);
      await expect(sql('   ')).rejects.toThrow(/the text is empty/);
      await expect(sql('selec 1')).rejects.toThrow(/the SQL does not parse/);
      // The lake's own tables still read.
      expect((await sql(`select count(*) as n from tributary_logs.logs_web`)).rows[0]).toEqual({ n: '3' });
    } finally {
      writer.close();
    }
  });

  it('when a prefix leads outside the lake, then listing and compacting refuse it', async () => {
    const lake = new DirectoryLake(mkdtempSync(join(tmpdir(), 'tributary-compact-')));

    await expect(lake.list('../')).rejects.toThrow(/not a key of the lake/);
    await expect(compactLake(lake, { finishedBefore: new Date(), prefix: 'logs/../../' })).rejects.toThrow(
      /not a key of the lake/,
    );
  });
});
