import { randomUUID } from 'node:crypto';
import type { EventOf } from '../../schemas/generated/events.ts';
import { metadata } from './events.ts';

/**
 * Messaging events for tests, as the routes would publish them: one conversation at a time, each
 * event a little after the one before, in one organization unless told otherwise.
 */
export function conversation(organizationId = 'org-test', start = new Date('2026-11-22T09:00:00Z')) {
  const threadId = randomUUID();
  let tick = 0;
  const meta = (actor: string) => metadata(new Date(start.getTime() + 1000 * tick++), { organizationId, actor });
  return {
    threadId,
    created(createdBy: string, participants: string[], subject = 'Quarter close'): EventOf<'ThreadCreated'> {
      return {
        type: 'ThreadCreated',
        metadata: meta(createdBy),
        payload: { threadId, subject, createdBy, participants, scopes: [] },
      };
    },
    added(participantId: string, addedBy: string): EventOf<'ParticipantAdded'> {
      return { type: 'ParticipantAdded', metadata: meta(addedBy), payload: { threadId, participantId, addedBy } };
    },
    removed(participantId: string, removedBy: string): EventOf<'ParticipantRemoved'> {
      return { type: 'ParticipantRemoved', metadata: meta(removedBy), payload: { threadId, participantId, removedBy } };
    },
    sent(senderId: string, body: string, replyToMessageId: string | null = null): EventOf<'MessageSent'> {
      const m = meta(senderId);
      return {
        type: 'MessageSent',
        metadata: m,
        payload: {
          threadId,
          messageId: randomUUID(),
          senderId,
          body,
          replyToMessageId,
          sentAt: m.occurredAt,
          recipients: [],
        },
      };
    },
    read(readerId: string, messageId: string): EventOf<'MessageRead'> {
      const m = meta(readerId);
      return { type: 'MessageRead', metadata: m, payload: { threadId, messageId, readerId, readAt: m.occurredAt } };
    },
    archived(participantId: string | null, archivedBy: string): EventOf<'ThreadArchived'> {
      return {
        type: 'ThreadArchived',
        metadata: meta(archivedBy),
        payload: { threadId, archivedBy, reason: null, participantId },
      };
    },
    unarchived(participantId: string): EventOf<'ThreadUnarchived'> {
      return {
        type: 'ThreadUnarchived',
        metadata: meta(participantId),
        payload: { threadId, participantId, unarchivedBy: participantId },
      };
    },
  };
}
