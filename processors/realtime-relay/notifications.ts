import type { EventOf, EventType, NotificationIssued, TributaryEvent } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import type { NotificationFilters, RealtimeTopic, RealtimeTopics } from './topics.ts';

/**
 * The notifications a domain event becomes, one per realtime topic it feeds, each with an id
 * derived from the event's and the topic's, so relaying the same event twice (a redelivery)
 * yields the same notifications and clients see each once. An event a topic reads as a carrier
 * of others (an importer's chunk) notifies as each of the events it stands for would.
 */
export function notificationsFor(event: TributaryEvent, topics: RealtimeTopics): NotificationIssued[] {
  const notifications: NotificationIssued[] = [];
  for (const topic of topics.all) {
    const carried = topic.carriers?.[event.type] as
      ((event: EventOf<EventType>) => readonly TributaryEvent[]) | undefined;
    for (const one of carried ? carried(event) : [event]) {
      const notification = notificationOf(one, topic);
      if (notification) notifications.push(notification);
    }
  }
  return notifications;
}

function notificationOf(event: TributaryEvent, topic: RealtimeTopic): NotificationIssued | undefined {
  const source = topic.from[event.type] as ((event: EventOf<EventType>) => NotificationFilters | undefined) | undefined;
  const filters = source?.(event);
  if (!filters) return undefined;
  const audienceOf = topic.audience?.[event.type] as ((event: EventOf<EventType>) => readonly string[]) | undefined;
  const audience = [...new Set(audienceOf?.(event) ?? [])];
  const undeclared = Object.keys(filters).filter((key) => !topic.filterKeys.includes(key));
  if (undeclared.length > 0)
    throw new Error(
      `realtime topic ${topic.name} got undeclared filter keys from ${event.type}: ${undeclared.join(', ')}`,
    );
  return {
    type: 'NotificationIssued',
    metadata: {
      ...event.metadata,
      eventId: derivedEventId(event.metadata.eventId, `notification/${topic.name}`),
      causationId: event.metadata.eventId,
    },
    payload: {
      topic: topic.name,
      sourceEventId: event.metadata.eventId,
      sourceType: event.type,
      filters,
      data: JSON.stringify(event.payload),
      audience,
    },
  };
}
