import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryLake } from '../../infra/lake/store.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { lakeRows, logEntry, startLake } from '../../test/support/lake.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { readToEnd } from '../runtime/read-to-end.ts';

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
});
