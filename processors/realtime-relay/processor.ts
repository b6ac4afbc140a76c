import type { Publisher } from '../../producers/publisher.ts';
import type { AtLeastOnceProcessor } from '../runtime/processor.ts';
import { notificationFor } from './notifications.ts';

/** The domain topics notifications are made from. */
export const RELAYED_TOPICS = [
  'transactions.cleansed',
  'uploads.events',
  'messages.events',
  'groups.events',
  'logs.entries',
] as const;

/**
 * Turns domain events into notifications on realtime.notifications. At-least-once: a
 * redelivered event republishes the same notification id, which clients deduplicate.
 */
export function realtimeRelay(publisher: Publisher, topics: readonly string[] = RELAYED_TOPICS): AtLeastOnceProcessor {
  return {
    name: 'realtime-relay.v1',
    topics,
    mode: 'at-least-once',
    async handle(events) {
      const notifications = events.flatMap(({ event }) => {
        const notification = notificationFor(event);
        return notification ? [notification] : [];
      });
      if (notifications.length > 0) await publisher.publishBatch(notifications);
    },
  };
}
