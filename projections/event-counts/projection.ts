import { PUBLIC_EVENT_TYPES } from '../../schemas/catalog.ts';
import { defineProjection } from '../projection.ts';

/**
 * How many events of each type each organization has published, and when the last one
 * happened: the operator's first look at what flows through the system.
 */
export const eventCounts = defineProjection({
  name: 'event_counts',
  handles: PUBLIC_EVENT_TYPES,
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
  project(events) {
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
    if (totals.size === 0) return [];
    const rows = [...totals.values()];
    return [
      {
        sql: `insert into event_counts (organization_id, event_type, events, last_occurred_at)
          select * from unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[])
          on conflict (organization_id, event_type) do update set events = event_counts.events + excluded.events,
            last_occurred_at = greatest(event_counts.last_occurred_at, excluded.last_occurred_at)`,
        params: [
          rows.map((r) => r.organizationId),
          rows.map((r) => r.type),
          rows.map((r) => r.events),
          rows.map((r) => r.last),
        ],
      },
    ];
  },
});
