import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { messageSent, metadata, threadCreated } from '../../test/support/events.ts';
import { projectionScenario } from '../../test/support/projection-scenario.ts';
import { projectionStatus } from '../status.ts';
import { eventCounts } from './projection.ts';
import { eventCountsOf } from './queries.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

describe('the event_counts projection on Kafka and Postgres', () => {
  it('when events of two organizations flow in two batches, then each organization sees only its own counts, and no lag is left', async () => {
    const thread = threadCreated(undefined, 'Hello', new Date('2026-11-22T09:00:00Z'));
    const other = {
      ...threadCreated(),
      metadata: metadata(new Date('2026-11-01T00:00:00Z'), { organizationId: 'org-other' }),
    };
    const latest = new Date('2026-11-22T12:00:00Z');
    const scenario = projectionScenario(eventCounts, backbone)
      .given([thread, messageSent(thread.payload.threadId, 'one', new Date('2026-11-22T10:00:00Z')), other])
      .when([messageSent(thread.payload.threadId, 'two', latest)]);

    const rows = await scenario.run(
      'select organization_id, event_type, events::int as events from event_counts order by 1, 2',
    );

    expect(rows).toEqual([
      { organization_id: 'org-other', event_type: 'ThreadCreated', events: 1 },
      { organization_id: 'org-test', event_type: 'MessageSent', events: 2 },
      { organization_id: 'org-test', event_type: 'ThreadCreated', events: 1 },
    ]);
    expect(await eventCountsOf(backbone.pool, 'org-test', scenario.projection)).toEqual([
      { eventType: 'MessageSent', events: 2, lastOccurredAt: latest },
      { eventType: 'ThreadCreated', events: 1, lastOccurredAt: thread.metadata.occurredAt },
    ]);
    const [status] = await projectionStatus(backbone.kafka, backbone.pool, [scenario.projection]);
    expect(status).toMatchObject({ projection: scenario.projection.name, lag: 0 });
  });
});
