import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messaging } from '../../projections/messaging/projection.ts';
import { messagingSlice } from '../../slices/messaging.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { projectionScenario } from '../../test/support/projection-scenario.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

describe('the messaging demo', () => {
  it('when a dozen demo rounds are projected, then the threads hold conversations with replies, read receipts, a join and a leave', async () => {
    const organizationId = `org-demo-${crypto.randomUUID().slice(0, 8)}`;
    const rounds = Array.from({ length: 12 }, (_, i) =>
      messagingSlice.demo!({ organizationId, environment: 'test', round: i + 1, now: new Date() }),
    );
    const scenario = projectionScenario(messaging, backbone);
    for (const events of rounds) scenario.given(events);

    const rows = await scenario.run(
      `select t.subject,
        (select count(*)::int from messages m where m.thread_id = t.thread_id) as messages,
        (select count(*)::int from messages m where m.thread_id = t.thread_id and m.reply_to_message_id is not null) as replies,
        (select string_agg(participant_id || ':' || unread_count || (case when left_seq is null then '' else ' left' end), ', '
           order by participant_id) from participants p where p.thread_id = t.thread_id) as people
       from threads t where t.organization_id = $1 order by t.subject`,
      [organizationId],
    );

    expect(rows).toEqual([
      { subject: 'Eastside branch opening', messages: 8, replies: 4, people: 'alice:0, carol:0, dave:2' },
      { subject: 'Loan 88-1042: income verification', messages: 8, replies: 4, people: 'dave:0, erin:0' },
      {
        subject: 'Q4 close: reconciliation',
        messages: 8,
        replies: 4,
        people: expect.stringMatching(/^alice:\d+, bob:\d+, carol:\d+, frank:\d+ left$/),
      },
    ]);
  });
});
