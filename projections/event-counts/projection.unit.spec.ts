import { describe, expect, it } from 'vitest';
import type { NotificationIssued } from '../../schemas/generated/events.ts';
import { messageSent, metadata, threadCreated } from '../../test/support/events.ts';
import { projectionSpec } from '../../test/support/projection-spec.ts';
import { eventCounts } from './projection.ts';

describe('event_counts, events in, statements out', () => {
  it('when a batch holds several events of one type and organization, then one statement adds them up as one row', () => {
    const thread = threadCreated(undefined, 'Hello', new Date('2026-11-22T09:00:00Z'));
    const later = new Date('2026-11-22T11:00:00Z');
    projectionSpec(eventCounts)
      .when([
        thread,
        messageSent(thread.payload.threadId, 'one', later),
        messageSent(thread.payload.threadId, 'two', new Date('2026-11-22T10:00:00Z')),
      ])
      .then((statements) => {
        expect(statements).toHaveLength(1);
        expect(statements[0]!.sql).toMatch(/unnest/);
        expect(statements[0]!.params).toEqual([
          ['org-test', 'org-test'],
          ['ThreadCreated', 'MessageSent'],
          [1, 2],
          [thread.metadata.occurredAt, later],
        ]);
      });
  });

  it('when two organizations publish the same type, then each gets its own row', () => {
    const mine = threadCreated();
    const theirs = { ...threadCreated(), metadata: metadata(new Date(), { organizationId: 'org-other' }) };
    projectionSpec(eventCounts)
      .when([mine, theirs])
      .then((statements) => expect(statements[0]!.params[0]).toEqual(['org-test', 'org-other']));
  });

  it('when the batch holds only notifications, which Tributary makes itself, then nothing is written', () => {
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
    projectionSpec(eventCounts).when([notification]).thenNothing();
  });
});
