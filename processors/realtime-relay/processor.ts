import type { Publisher } from '../../producers/publisher.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import type { AtLeastOnceProcessor } from '../runtime/processor.ts';
import { notificationsFor } from './notifications.ts';
import type { RealtimeTopics } from './topics.ts';

/** The Kafka topics holding the events that feed the realtime topics. */
export function relayedTopics(topics: RealtimeTopics): string[] {
  return [...new Set(topics.sourceTypes.map((type) => EVENT_ROUTES[type].topic))];
}

/**
 * Turns domain events into notifications on realtime.notifications, by the slices' rules.
 * At-least-once: a redelivered event republishes the same notification ids, which clients
 * deduplicate. `kafkaTopics` defaults to where the catalog puts the source events.
 */
export function realtimeRelay(
  publisher: Publisher,
  topics: RealtimeTopics,
  kafkaTopics: readonly string[] = relayedTopics(topics),
): AtLeastOnceProcessor {
  return {
    name: 'realtime-relay.v1',
    topics: kafkaTopics,
    mode: 'at-least-once',
    async handle(events) {
      const notifications = events.flatMap(({ event }) => notificationsFor(event, topics));
      if (notifications.length > 0) await publisher.publishBatch(notifications);
    },
  };
}
