import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParquetWriter } from '../../processors/logs/parquet-writer.ts';
import { lakeRowOf } from '../../processors/logs/stager.ts';
import { logEntry } from '../../test/support/lake.ts';
import { testConfig, uniqueName } from '../../test/support/platform.ts';
import { ensureBucket } from '../aws/buckets.ts';
import { createS3Client } from '../aws/clients.ts';
import { objectKey } from './layout.ts';
import { runLakeSql } from './lake-sql.ts';
import { queryLogs } from './query-logs.ts';
import { S3Lake } from './store.ts';

describe('structured queries over the bucket (moto S3)', () => {
  it('when one organization queries one hour, then only that partition’s objects are fetched (a structured query, or SQL naming them in its WHERE), and no other organization’s rows come back', async () => {
    const config = await testConfig();
    const s3 = createS3Client(config.aws);
    const bucket = uniqueName('lake-query');
    await ensureBucket(s3, bucket, config.aws.region);
    const lake = new S3Lake(s3, bucket);
    const writer = new ParquetWriter();
    const hour = (h: number) => new Date(Date.UTC(2026, 10, 15, h, 20));
    const entries = [
      logEntry('org-s', 'web', hour(9)),
      logEntry('org-s', 'web', hour(10)),
      logEntry('org-s', 'app', hour(9)),
      logEntry('org-t', 'web', hour(9)),
    ];
    for (const [i, entry] of entries.entries()) {
      const file = join(mkdtempSync(join(tmpdir(), 'tributary-s3-query-')), 'f.parquet');
      await writer.write(
        [lakeRowOf({ event: entry, topic: 'logs.entries', partition: 0, offset: String(i), key: null })],
        file,
      );
      const { organizationId, logType, environment } = entry.payload;
      const key = objectKey(
        {
          environment,
          organizationId,
          logType,
          hour: new Date(Date.UTC(2026, 10, 15, entry.metadata.occurredAt.getUTCHours())),
        },
        { topic: 'logs.entries', partition: 0, firstOffset: String(i), lastOffset: String(i) },
      );
      await lake.put(key, file);
    }
    writer.close();
    const fetched: string[] = [];
    const counting = Object.assign(Object.create(lake) as S3Lake, {
      local: (key: string, scratch: string) => {
        fetched.push(key);
        return lake.local(key, scratch);
      },
    });

    const result = await queryLogs(counting, {
      environment: 'test',
      organizationId: 'org-s',
      logTypes: ['web'],
      from: new Date(Date.UTC(2026, 10, 15, 9)),
      to: new Date(Date.UTC(2026, 10, 15, 10)),
      limit: 10,
    });

    expect(result.rows.map((r) => r.event_id)).toEqual([entries[0]!.metadata.eventId]);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]).toContain('organization=org-s/logtype=web/year=2026/month=11/day=15/hour=09/');
    expect((await lake.list('logs/')).length).toBe(4);

    fetched.length = 0;
    const sql = await runLakeSql(
      counting,
      `select event_id from tributary_logs.logs_web where environment = 'test' and organization = 'org-s' and hour = '09'`,
      { database: 'tributary_logs' },
    );

    expect(sql.rows.map((r) => r.event_id)).toEqual([entries[0]!.metadata.eventId]);
    expect(fetched).toHaveLength(1);
    expect(sql.files).toBe(1);
  });
});
