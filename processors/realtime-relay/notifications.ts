import type { NotificationIssued, RealtimeTopic, TributaryEvent } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';

interface Routing {
  readonly topic: RealtimeTopic;
  readonly accountId?: string;
  readonly threadId?: string;
}

/** Which realtime topic a domain event feeds, and the filters it can be matched on; undefined for none. */
export function routingOf(event: TributaryEvent): Routing | undefined {
  switch (event.type) {
    case 'AccountBalanceUpdated':
      return { topic: 'account_balanceupdated', accountId: event.payload.accountId };
    case 'AccountNicknameUpdated':
      return { topic: 'account_nicknameupdated', accountId: event.payload.accountId };
    case 'TransactionCleansed':
      return { topic: 'account_transactionadded', accountId: event.payload.accountId };
    case 'UploadCompleted':
      return { topic: 'attachment_uploaded' };
    case 'MessageSent':
      return { topic: 'message_sent', threadId: event.payload.threadId };
    case 'MemberAddedToGroup':
    case 'MemberRemovedFromGroup':
      return { topic: 'group_membership_changed' };
    case 'LogEntry': {
      const failed =
        event.payload.logType === 'crash' ||
        event.payload.level === 'error' ||
        event.payload.level === 'fatal' ||
        event.payload.events.some((step) => !step.success);
      return failed ? { topic: 'log_error' } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The notification a domain event becomes, with an id derived from the event's, so relaying the
 * same event twice (a redelivery) yields the same notification and clients see it once.
 */
export function notificationFor(event: TributaryEvent): NotificationIssued | undefined {
  const routing = routingOf(event);
  if (!routing) return undefined;
  return {
    type: 'NotificationIssued',
    metadata: {
      ...event.metadata,
      eventId: derivedEventId(event.metadata.eventId, 'notification'),
      causationId: event.metadata.eventId,
    },
    payload: {
      topic: routing.topic,
      sourceEventId: event.metadata.eventId,
      sourceType: event.type,
      accountId: routing.accountId ?? null,
      threadId: routing.threadId ?? null,
      data: JSON.stringify(event.payload),
    },
  };
}
