import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryLake } from '../../infra/lake/store.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { lakeRows, logEntry, startLake } from '../../test/support/lake.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { readToEnd } from '../runtime/read-to-end.ts';
import { lakeRowOf } from './stager.ts';

let backbone: Backbone;
let lake: Awaited<ReturnType<typeof startLake>>;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  lake = await startLake(backbone);
});
afterAll(async () => {
  await lake?.running.stop();
  await backbone?.close();
});

describe('the log lake partitioner, edge cases', () => {
  it('when a malformed record arrives between entries, then it goes to the dead-letter topic and the entries around it land', async () => {
    const before = logEntry('org-m', 'web', new Date(Date.UTC(2026, 10, 14, 8)));
    const after = logEntry('org-m', 'web', new Date(Date.UTC(2026, 10, 14, 8, 5)));
    await backbone.publisher.publish(before);
    const producer = backbone.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: backbone.topics['logs.entries'],
      messages: [{ key: 'org-m', value: Buffer.from('{"not":"avro"}') }],
    });
    await producer.disconnect();
    await backbone.publisher.publish(after);

    await eventually(
      async () => {
        const ids = (await lakeRows(lake.directory)).map((r) => r.event_id);
        expect(ids).toEqual(expect.arrayContaining([before.metadata.eventId, after.metadata.eventId]));
      },
      { timeoutMs: 30_000 },
    );
    const dead = await readToEnd(backbone.kafka, `${backbone.topics['logs.entries']}.dlq`, uniqueName('dlq'));
    expect(dead.some((record) => record.value?.toString() === '{"not":"avro"}')).toBe(true);
  });

  it('when a partition gets one entry and nothing after it, then its file closes on age alone', async () => {
    const lone = logEntry('org-idle', 'agw', new Date(Date.UTC(2026, 10, 14, 3)));
    const started = Date.now();

    await backbone.publisher.publish(lone);

    const keys = await eventually(
      async () => {
        const found = await new DirectoryLake(lake.directory).list('logs/environment=test/organization=org-idle/');
        expect(found).toHaveLength(1);
        return found;
      },
      { timeoutMs: 20_000 },
    );
    // LAKE_FILE_MAX_AGE_SECONDS is 1 here, and LAKE_FILE_MAX_ROWS (500000) is far away.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(keys[0]).toMatch(/logtype=agw\/year=2026\/month=11\/day=14\/hour=03\//);
  });

  it('when a segment staged deflated by an earlier version waits at the upgrade, then its entry still lands', async () => {
    // Before migration 5 the stager deflated each segment itself (raw deflate, base64) and said so.
    const entry = logEntry('org-upgrade', 'web', new Date(Date.UTC(2026, 10, 14, 6, 10)));
    const topic = backbone.topics['logs.entries'];
    const line = JSON.stringify(lakeRowOf({ event: entry, topic, partition: 0, offset: '900000', key: null }));

    await backbone.pool.query(
      `insert into "${lake.schema}".log_lake_segments (topic, partition, environment, organization_id, log_type,
         hour, first_offset, last_offset, entries, bytes, lines, deflated)
       values ($1, 0, 'test', 'org-upgrade', 'web', '2026-11-14T06:00:00Z', 900000, 900000, 1, $2, $3, true)`,
      [topic, Buffer.byteLength(line), deflateRawSync(line).toString('base64')],
    );

    const rows = await eventually(
      async () => {
        const found = (await lakeRows(lake.directory)).filter((r) => r.organization === 'org-upgrade');
        expect(found).toHaveLength(1);
        return found;
      },
      { timeoutMs: 20_000 },
    );
    expect(rows[0]).toMatchObject({ event_id: entry.metadata.eventId, hour: '06', logtype: 'web' });
  });

  it('when one batch holds entries of several partitions with text beyond ASCII, then each lands whole in its own', async () => {
    // The segments go to Postgres back to back in one parameter and are cut apart by their byte
    // lengths: a cut by characters would split the next segment's first line.
    const hour = new Date(Date.UTC(2026, 10, 14, 7, 20));
    const first = logEntry('org-utf', 'web', hour, { success: true, message: 'café ✓ 日本語 — 🚀' });
    const second = logEntry('org-utf', 'app', hour, { success: true, message: 'naïve' });

    await backbone.publisher.publishBatch([first, second]);

    const rows = await eventually(
      async () => {
        const found = (await lakeRows(lake.directory)).filter((r) => r.organization === 'org-utf');
        expect(found).toHaveLength(2);
        return found;
      },
      { timeoutMs: 20_000 },
    );
    expect(rows.map((r) => [r.logtype, r.message]).sort()).toEqual([
      ['app', 'naïve'],
      ['web', 'café ✓ 日本語 — 🚀'],
    ]);
  });
});
