import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { messageSent, metadata, threadCreated } from '../../test/support/events.ts';
import { quietLogger, uniqueName } from '../../test/support/platform.ts';
import { startProjection } from '../live.ts';
import { projectionStatus } from '../status.ts';
import { eventCounts } from './projection.ts';
import { eventCountsOf } from './queries.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

describe('the event_counts projection', () => {
  it('when events of two organizations flow, then each organization sees only its own counts, and the status shows the lag drain', async () => {
    const projection = {
      ...eventCounts,
      name: uniqueName('counts').replaceAll('-', '_'),
      topics: Object.values(backbone.topics),
    };
    const thread = threadCreated();
    const other = {
      ...threadCreated(),
      metadata: metadata(new Date('2026-11-01T00:00:00Z'), { organizationId: 'org-other' }),
    };
    const latest = new Date('2026-11-22T12:00:00Z');
    await backbone.publisher.publishBatch([
      thread,
      messageSent(thread.payload.threadId, 'one'),
      messageSent(thread.payload.threadId, 'two', latest),
      other,
    ]);
    const before = await projectionStatus(backbone.kafka, backbone.pool, [projection]);
    expect(before[0]?.lag).toBe(4);

    const live = await startProjection(projection, {
      kafka: backbone.kafka,
      codec: backbone.codec,
      pool: backbone.pool,
      logger: quietLogger(),
      metrics: backbone.metrics,
    });
    const deadline = Date.now() + 30_000;
    while ((await projectionStatus(backbone.kafka, backbone.pool, [projection]))[0]!.lag > 0 && Date.now() < deadline)
      await sleep(100);
    await live.stop();

    expect(await eventCountsOf(backbone.pool, 'org-test', projection)).toEqual([
      { eventType: 'MessageSent', events: 2, lastOccurredAt: latest },
      { eventType: 'ThreadCreated', events: 1, lastOccurredAt: thread.metadata.occurredAt },
    ]);
    expect(await eventCountsOf(backbone.pool, 'org-other', projection)).toEqual([
      { eventType: 'ThreadCreated', events: 1, lastOccurredAt: new Date('2026-11-01T00:00:00Z') },
    ]);
    const after = await projectionStatus(backbone.kafka, backbone.pool, [projection]);
    expect(after[0]).toMatchObject({ projection: projection.name, lag: 0 });
  });
});
