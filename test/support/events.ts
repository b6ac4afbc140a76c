import { randomUUID } from 'node:crypto';
import type { MessageSent, ThreadCreated } from '../../schemas/generated/events.ts';

/** Metadata for a test event: a fresh id, the given time, one test organization. */
export function metadata(occurredAt = new Date(), overrides: Partial<ThreadCreated['metadata']> = {}) {
  return {
    eventId: randomUUID(),
    occurredAt,
    organizationId: 'org-test',
    environment: 'test',
    correlationId: randomUUID(),
    causationId: null,
    actor: 'user-1',
    ...overrides,
  };
}

export function threadCreated(threadId = randomUUID(), subject = 'Hello', occurredAt = new Date()): ThreadCreated {
  return {
    type: 'ThreadCreated',
    metadata: metadata(occurredAt),
    payload: { threadId, subject, createdBy: 'user-1', participants: ['user-1', 'user-2'], scopes: [] },
  };
}

export function messageSent(threadId: string, body: string, occurredAt = new Date()): MessageSent {
  return {
    type: 'MessageSent',
    metadata: metadata(occurredAt),
    payload: {
      threadId,
      messageId: randomUUID(),
      senderId: 'user-2',
      body,
      replyToMessageId: null,
      sentAt: occurredAt,
      recipients: ['user-1'],
    },
  };
}
