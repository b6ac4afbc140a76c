import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../processors/runtime/processor.ts';
import type { NotificationIssued } from '../../schemas/generated/events.ts';
import { metadata } from '../../test/support/events.ts';
import { conversation } from '../../test/support/messaging-events.ts';
import { delivered, projectionSpec } from '../../test/support/projection-spec.ts';
import { sortBatch, type MessagingEvent } from './batch.ts';
import { messaging } from './projection.ts';

const sorted = (events: readonly MessagingEvent[], firstOffset = 0) =>
  sortBatch(delivered(events, firstOffset) as ConsumedEvent<MessagingEvent>[]);
const tables = (sql: string) => /^\s*(?:with[\s\S]*?)?insert into (\w+)/.exec(sql)?.[1];

describe('messaging, events in, statements out', () => {
  it('when a batch creates a thread and sends to it, then one statement per table runs, participants last', () => {
    const c = conversation();
    projectionSpec(messaging)
      .when([c.created('alice', ['bob']), c.sent('alice', 'one'), c.sent('bob', 'two')])
      .then((statements) =>
        expect(statements.map((s) => tables(s.sql))).toEqual([
          'threads',
          'membership_changes',
          'messages',
          'participants',
        ]),
      );
  });

  it('when a batch only reads, archives and unarchives, then only the participants are recomputed', () => {
    const c = conversation();
    projectionSpec(messaging)
      .when([c.read('bob', crypto.randomUUID()), c.archived('bob', 'bob'), c.unarchived('bob')])
      .then((statements) => {
        expect(statements.map((s) => tables(s.sql))).toEqual(['participants']);
        const [touched, firstSeq, reads, archives] = statements[0]!.params;
        expect(touched).toEqual([c.threadId]);
        expect(firstSeq).toBe('0');
        expect(JSON.parse(reads as string)).toHaveLength(1);
        expect(JSON.parse(archives as string)).toEqual([
          { thread_id: c.threadId, organization_id: 'org-test', participant_id: 'bob', seq: '1', archived: true },
          { thread_id: c.threadId, organization_id: 'org-test', participant_id: 'bob', seq: '2', archived: false },
        ]);
      });
  });

  it('when the creator is also listed as a participant, then they join once, at the thread’s offset', () => {
    const c = conversation();
    const batch = sorted([c.created('alice', ['alice', 'bob', 'bob'])], 7);
    expect(batch.memberships.map((m) => [m.participant_id, m.seq, m.joined, m.creation])).toEqual([
      ['alice', '7', true, true],
      ['bob', '7', true, true],
    ]);
  });

  it('when a message id comes twice or a thread is created twice, then the first of each is kept', () => {
    const c = conversation();
    const first = c.sent('alice', 'first');
    const again = { ...c.sent('alice', 'again'), payload: { ...first.payload, body: 'again' } };
    const created = c.created('alice', ['bob'], 'original');
    const recreated = { ...c.created('mallory', [], 'hijack'), payload: { ...created.payload, subject: 'hijack' } };
    const batch = sorted([created, first, again, recreated]);
    expect(batch.messages.map((m) => m.body)).toEqual(['first']);
    expect(batch.threads.map((t) => t.subject)).toEqual(['original']);
  });

  it('when the batch holds only events the read model does not apply, then nothing is written', () => {
    const notification: NotificationIssued = {
      type: 'NotificationIssued',
      metadata: metadata(),
      payload: {
        topic: 'message_sent',
        sourceEventId: crypto.randomUUID(),
        sourceType: 'MessageSent',
        filters: {},
        data: '{}',
        audience: [],
      },
    };
    projectionSpec(messaging).when([notification]).thenNothing();
  });

  it('when the batch starts at a later offset, then the statements count the batch’s own messages from there', () => {
    const c = conversation();
    const events: MessagingEvent[] = [c.sent('alice', 'one')];
    const statements = messaging.project(delivered(events, 41));
    expect(statements.at(-1)!.params[1]).toBe('41');
  });
});
