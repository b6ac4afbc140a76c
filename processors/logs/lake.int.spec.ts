import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLogs } from '../../infra/lake/query-logs.ts';
import { DirectoryLake } from '../../infra/lake/store.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { lakeRows, logEntry, startLake } from '../../test/support/lake.ts';

let backbone: Backbone;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(async () => {
  await backbone?.close();
});

describe('the log lake partitioner', () => {
  it('when entries of several organizations, types and hours arrive, a late one included, then each lands once in the partition of its own hour', async () => {
    const { directory, running } = await startLake(backbone);
    const at = (hour: number) => new Date(Date.UTC(2026, 10, 22, hour, 30));
    const entries = [
      ...['org-a', 'org-b'].flatMap((org) =>
        (['web', 'app'] as const).flatMap((type) => [logEntry(org, type, at(10)), logEntry(org, type, at(11))]),
      ),
      logEntry('org-a', 'web', at(11)),
    ];
    await backbone.publisher.publishBatch(entries);
    const late = logEntry('org-a', 'web', at(9));
    await backbone.publisher.publish(late);

    try {
      const rows = await eventually(
        async () => {
          const found = await lakeRows(directory);
          expect(found).toHaveLength(entries.length + 1);
          return found;
        },
        { timeoutMs: 30_000 },
      );
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(entries.length + 1);
      const where = (id: string) => rows.find((r) => r.event_id === id)!;
      expect(where(late.metadata.eventId)).toMatchObject({
        organization: 'org-a',
        logtype: 'web',
        day: '22',
        hour: '09',
      });
      const count = (org: string, type: string, hour: string) =>
        rows.filter((r) => r.organization === org && r.logtype === type && r.hour === hour).length;
      expect(count('org-a', 'web', '11')).toBe(2);
      expect(count('org-b', 'app', '10')).toBe(1);
      const keys = await new DirectoryLake(directory).list('logs/');
      expect(
        keys.every((key) =>
          /^logs\/environment=test\/organization=org-[ab]\/logtype=(web|app)\/year=2026\/month=11\/day=22\/hour=(09|10|11)\/logs\.entries\.[^+]+\+\d+\+\d+-\d+\.parquet$/.test(
            key,
          ),
        ),
        keys.join('\n'),
      ).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('when one organization queries an hour of one log type, then only that partition’s files are read and only its rows come back', async () => {
    const { directory, running } = await startLake(backbone);
    const at = (hour: number, minute = 30) => new Date(Date.UTC(2026, 10, 21, hour, minute));
    const wanted = logEntry('org-q', 'web', at(11, 5));
    const failed = logEntry('org-q', 'web', at(11, 45), { success: false, message: 'Connector TIMED OUT' });
    const others = [
      logEntry('org-q', 'web', at(10)),
      logEntry('org-q', 'app', at(11)),
      logEntry('org-other', 'web', at(11)),
    ];
    await backbone.publisher.publishBatch([wanted, failed, ...others]);
    const lake = new DirectoryLake(directory);
    try {
      await eventually(
        async () =>
          expect(
            (await lakeRows(directory)).filter(
              (r) => r.organization !== 'org-a' && r.organization !== 'org-b' && r.organization !== 'org-c',
            ),
          ).toHaveLength(5),
        {
          timeoutMs: 30_000,
        },
      );
      const hour = {
        environment: 'test',
        organizationId: 'org-q',
        logTypes: ['web'] as const,
        from: at(11, 0),
        to: at(12, 0),
        limit: 100,
      };

      const result = await queryLogs(lake, hour);

      expect(result.rows.map((r) => r.event_id).sort()).toEqual(
        [wanted.metadata.eventId, failed.metadata.eventId].sort(),
      );
      expect(result.objects.length).toBeGreaterThan(0);
      for (const key of result.objects)
        expect(key).toContain('organization=org-q/logtype=web/year=2026/month=11/day=21/hour=11/');
      expect((await lake.list('logs/')).length).toBeGreaterThan(result.objects.length);
      const ids = async (extra: object) => (await queryLogs(lake, { ...hour, ...extra })).rows.map((r) => r.event_id);
      expect(await ids({ transactionId: failed.metadata.correlationId })).toEqual([failed.metadata.eventId]);
      expect(await ids({ success: false })).toEqual([failed.metadata.eventId]);
      expect(await ids({ text: 'timed out' })).toEqual([failed.metadata.eventId]);
      expect(await ids({ text: 'GET /accounts' })).toHaveLength(2);
      expect(await ids({ organizationId: 'org-nobody' })).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('when storing a file fails after the object was written, then the flush is finished again under the same key and no row is doubled', async () => {
    let failures = 0;
    const { directory, running, schema } = await startLake(backbone, (root) => {
      const lake = new DirectoryLake(root);
      return {
        location: lake.location,
        list: (prefix) => lake.list(prefix),
        local: (key, scratch) => lake.local(key, scratch),
        remove: (key) => lake.remove(key),
        async put(key, file) {
          await lake.put(key, file);
          // The object is stored; the process "dies" before recording it.
          if (failures++ < 2) throw new Error('crashed after the put');
        },
      };
    });
    // The topic is shared with the test above, whose entries this lake stages too: only org-c's are looked at.
    const entries = Array.from({ length: 5 }, () => logEntry('org-c', 'agw', new Date()));

    await backbone.publisher.publishBatch(entries);

    try {
      const rows = await eventually(
        async () => {
          expect(failures).toBeGreaterThanOrEqual(2);
          const { rows: unfinished } = await backbone.pool.query(
            `select 1 from "${schema}".log_lake_flushes where state = 'writing'`,
          );
          expect(unfinished).toEqual([]);
          const found = (await lakeRows(directory)).filter((row) => row.organization === 'org-c');
          expect(found).toHaveLength(entries.length);
          return found;
        },
        { timeoutMs: 30_000 },
      );
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(entries.map((e) => e.metadata.eventId)));
      const everything = await lakeRows(directory);
      expect(new Set(everything.map((r) => r.event_id)).size).toBe(everything.length);
      expect(await new DirectoryLake(directory).list('logs/environment=test/organization=org-c/')).toHaveLength(1);
    } finally {
      await running.stop();
    }
  });
});
