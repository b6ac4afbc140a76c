import { TOPICS } from '../../infra/kafka/topics.ts';
import { EVENT_ROUTES, INTERNAL_TOPICS } from '../../schemas/catalog.ts';
import type { Projection } from '../projection.ts';

const DOMAIN_TOPICS = [...new Set(Object.values(EVENT_ROUTES).map((route) => route.topic))].filter(
  (topic) => TOPICS.some((declared) => declared.name === topic) && !INTERNAL_TOPICS.includes(topic),
);

/**
 * How many events of each type each organization has published, and when the last one
 * happened: the operator's first look at what flows through the system.
 */
export const eventCounts: Projection = {
  name: 'event_counts',
  topics: DOMAIN_TOPICS,
  tables: ['event_counts'],
  migrations: [
    {
      version: 1,
      name: 'event counts',
      sql: `create table event_counts (
        organization_id text not null,
        event_type text not null,
        events bigint not null,
        last_occurred_at timestamptz not null,
        primary key (organization_id, event_type))`,
    },
  ],
  async handle(events, { tx }) {
    const totals = new Map<string, { organizationId: string; type: string; events: number; last: Date }>();
    for (const { event } of events) {
      const key = `${event.metadata.organizationId}\u0000${event.type}`;
      const total = totals.get(key) ?? {
        organizationId: event.metadata.organizationId,
        type: event.type,
        events: 0,
        last: event.metadata.occurredAt,
      };
      total.events += 1;
      if (event.metadata.occurredAt > total.last) total.last = event.metadata.occurredAt;
      totals.set(key, total);
    }
    for (const total of totals.values()) {
      await tx.query(
        `insert into event_counts (organization_id, event_type, events, last_occurred_at) values ($1, $2, $3, $4)
         on conflict (organization_id, event_type) do update set events = event_counts.events + excluded.events,
           last_occurred_at = greatest(event_counts.last_occurred_at, excluded.last_occurred_at)`,
        [total.organizationId, total.type, total.events, total.last],
      );
    }
  },
};
