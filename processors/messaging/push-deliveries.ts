import type { PushSettings } from '../../infra/config/shape.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';

/** How much of a message a notification carries: a preview, as a phone's lock screen shows. */
const PREVIEW_CHARACTERS = 140;

/** One call to the notification service: one notification for one person. */
export interface PushDelivery {
  /**
   * Derived from the event's id and the recipient (UUIDv5): every retry and every redelivery of
   * the event sends the same key, so a service that keeps the keys it has seen notifies once.
   */
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly body: PushNotification;
}

/** What the notification service receives (JSON), seed 002's push data in Tributary's words. */
export interface PushNotification {
  readonly idempotencyKey: string;
  readonly organizationId: string;
  /** User id of the person to notify. */
  readonly recipient: string;
  readonly event: 'MessageSent' | 'ThreadCreated' | 'ParticipantAdded';
  readonly eventId: string;
  readonly threadId: string;
  readonly messageId: string | null;
  /** Who caused it: the sender, the thread's creator, whoever added the recipient. */
  readonly actor: string;
  readonly title: string;
  readonly preview: string;
  readonly occurredAt: string;
}

/**
 * The notifications an event gives, when its type is among the configured ones: one per
 * participant other than whoever caused it. MessageSent goes to the recipients the command
 * named; ThreadCreated to those the creator invited; ParticipantAdded to the one added.
 */
export function deliveriesFor(event: TributaryEvent, events: PushSettings['events']): PushDelivery[] {
  if (!(events as readonly string[]).includes(event.type)) return [];
  const base = {
    organizationId: event.metadata.organizationId,
    eventId: event.metadata.eventId,
    occurredAt: event.metadata.occurredAt.toISOString(),
  };
  let actor: string;
  let recipients: readonly string[];
  let rest: Pick<PushNotification, 'event' | 'threadId' | 'messageId' | 'title' | 'preview'>;
  switch (event.type) {
    case 'MessageSent': {
      const p = event.payload;
      actor = p.senderId;
      recipients = p.recipients;
      rest = {
        event: 'MessageSent',
        threadId: p.threadId,
        messageId: p.messageId,
        title: p.replyToMessageId ? `${actor} replied` : `New message from ${actor}`,
        preview: preview(p.body),
      };
      break;
    }
    case 'ThreadCreated': {
      const p = event.payload;
      actor = p.createdBy;
      recipients = p.participants;
      rest = {
        event: 'ThreadCreated',
        threadId: p.threadId,
        messageId: null,
        title: `${actor} added you to a thread`,
        preview: preview(p.subject),
      };
      break;
    }
    case 'ParticipantAdded': {
      const p = event.payload;
      actor = p.addedBy;
      recipients = [p.participantId];
      rest = {
        event: 'ParticipantAdded',
        threadId: p.threadId,
        messageId: null,
        title: `${actor} added you to a thread`,
        preview: '',
      };
      break;
    }
    default:
      return [];
  }
  return [...new Set(recipients)]
    .filter((recipient) => recipient !== actor)
    .map((recipient) => {
      const idempotencyKey = derivedEventId(event.metadata.eventId, `push/${recipient}`);
      return {
        idempotencyKey,
        correlationId: event.metadata.correlationId,
        body: { idempotencyKey, recipient, actor, ...base, ...rest },
      };
    });
}

function preview(text: string): string {
  // By code point, so an emoji is never cut in half.
  const characters = Array.from(text.replace(/\s+/g, ' ').trim());
  return characters.length <= PREVIEW_CHARACTERS
    ? characters.join('')
    : `${characters.slice(0, PREVIEW_CHARACTERS - 1).join('')}…`;
}
