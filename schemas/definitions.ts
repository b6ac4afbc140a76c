import type { TopicName } from '../infra/kafka/topics.ts';
import type { EventSchema } from './avro.ts';
import type { EventOf, EventType } from './generated/events.ts';

/** Where an event type is published and which aggregate id keys it (so one aggregate stays in order). */
export interface EventRoute<T extends EventType = EventType> {
  readonly topic: TopicName;
  readonly key: (event: EventOf<T>) => string;
}

/** One event type as the codec and the registry know it: its schema, its route, its subject. */
export interface EventDefinition {
  readonly schema: EventSchema;
  readonly route: EventRoute;
  readonly subject: string;
}
