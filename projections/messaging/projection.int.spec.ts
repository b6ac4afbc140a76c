import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { conversation } from '../../test/support/messaging-events.ts';
import { projectionScenario } from '../../test/support/projection-scenario.ts';
import { messaging } from './projection.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

const PARTICIPANTS = `select participant_id, unread_count::int as unread, archived, left_seq is not null as left,
  (select count(*)::int from messages m where m.thread_id = p.thread_id and m.seq = p.last_message_seq) as has_last
  from participants p where thread_id = $1 order by participant_id`;

describe('the messaging projection on Kafka and Postgres', () => {
  it('when messages are sent, read, replied to and a participant joins and leaves, then every unread count is right', async () => {
    const c = conversation();
    const hello = c.sent('alice', 'hello');
    const question = c.sent('bob', 'numbers?');
    const reply = c.sent('alice', 'here they are', question.payload.messageId);
    const scenario = projectionScenario(messaging, backbone)
      .given([c.created('alice', ['bob', 'carol']), hello, question])
      .when([
        c.read('carol', hello.payload.messageId),
        reply,
        c.added('dave', 'alice'),
        c.sent('bob', 'thanks'),
        c.removed('carol', 'alice'),
        c.sent('alice', 'after carol left'),
      ]);

    const rows = await scenario.run(PARTICIPANTS, [c.threadId]);

    expect(rows).toEqual([
      // alice read up to her own last message
      { participant_id: 'alice', unread: 0, archived: false, left: false, has_last: 1 },
      // bob: everything after his 'thanks' from others
      { participant_id: 'bob', unread: 1, archived: false, left: false, has_last: 1 },
      // carol read 'hello'; then 'numbers?', 'here they are', 'thanks' arrived before she left
      { participant_id: 'carol', unread: 3, archived: false, left: true, has_last: 1 },
      // dave joined after the first three: 'thanks' and 'after carol left'
      { participant_id: 'dave', unread: 2, archived: false, left: false, has_last: 1 },
    ]);
  });

  it('when a participant leaves and rejoins, then they see the messages of both spans and none between', async () => {
    const c = conversation();
    const before = c.sent('alice', 'before');
    const between = c.sent('alice', 'between');
    const after = c.sent('alice', 'after');
    const scenario = projectionScenario(messaging, backbone).given([
      c.created('alice', ['bob']),
      before,
      c.removed('bob', 'bob'),
      between,
      c.added('bob', 'alice'),
      after,
    ]);

    const rows = await scenario.run(
      `select m.body from messages m join participants p on p.thread_id = m.thread_id and p.participant_id = 'bob'
       where m.thread_id = $1 and coalesce((select v.joined from membership_changes v where v.thread_id = m.thread_id
         and v.participant_id = 'bob' and v.seq < m.seq order by v.seq desc limit 1), false) order by m.seq`,
      [c.threadId],
    );

    expect(rows.map((r) => r.body)).toEqual([before.payload.body, after.payload.body]);
  });

  it('when a thread is archived for one participant, for everyone, and unarchived, then each participant’s flag follows', async () => {
    const c = conversation();
    const scenario = projectionScenario(messaging, backbone).given([
      c.created('alice', ['bob', 'carol']),
      c.archived('bob', 'bob'),
      c.archived(null, 'alice'),
      c.unarchived('carol'),
      c.added('dave', 'alice'),
    ]);

    const rows = await scenario.run(
      'select participant_id, archived from participants where thread_id = $1 order by 1',
      [c.threadId],
    );

    expect(rows).toEqual([
      { participant_id: 'alice', archived: true },
      { participant_id: 'bob', archived: true },
      { participant_id: 'carol', archived: false },
      { participant_id: 'dave', archived: false },
    ]);
  });

  it('when events name a thread of another organization or come before the thread, then they change nothing', async () => {
    const c = conversation('org-a');
    const intruder = conversation('org-b');
    const intoThread = <E extends { payload: object }>(event: E): E => ({
      ...event,
      payload: { ...event.payload, threadId: c.threadId },
    });
    const scenario = projectionScenario(messaging, backbone).given([
      c.sent('alice', 'before the thread exists'),
      c.created('alice', ['bob']),
      intoThread(intruder.created('mallory', ['mallory'])),
      intoThread(intruder.added('mallory', 'mallory')),
      intoThread(intruder.sent('mallory', 'hi')),
    ]);

    const rows = await scenario.run(
      `select (select count(*)::int from messages where thread_id = $1) as messages,
        (select array_agg(participant_id order by participant_id) from participants where thread_id = $1) as participants,
        (select organization_id from threads where thread_id = $1) as organization`,
      [c.threadId],
    );

    expect(rows).toEqual([{ messages: 0, participants: ['alice', 'bob'], organization: 'org-a' }]);
  });
});
