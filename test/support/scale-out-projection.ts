import { defineProjection, type Projection } from '../../projections/projection.ts';

/**
 * A real projection (defined, migrated and run as every slice's is) whose read model records each
 * application of each event, with no uniqueness: a duplicate shows as a second row, a loss as a
 * missing one. Each row names the instance that applied it and when, by Postgres' clock, so the
 * test can see which instance held a partition and when a partition stopped and flowed again.
 */
export function applicationsProjection(name: string, topic: string, instance: string): Projection {
  const projection = defineProjection({
    name,
    handles: ['ThreadCreated'],
    tables: ['applications'],
    migrations: [
      {
        version: 1,
        name: 'applications',
        sql: `create table applications (
          event_id text not null, partition int not null, "offset" bigint not null, instance text not null,
          applied_at timestamptz not null default clock_timestamp())`,
      },
    ],
    // Set-based, as the projection contract asks: one statement for the whole batch.
    project: (events) =>
      events.length === 0
        ? []
        : [
            {
              sql: `insert into applications (event_id, partition, "offset", instance)
                select e, p, o, $4 from unnest($1::text[], $2::int[], $3::bigint[]) as t(e, p, o)`,
              params: [
                events.map((c) => c.event.metadata.eventId),
                events.map((c) => c.partition),
                events.map((c) => c.offset),
                instance,
              ],
            },
          ],
  });
  return { ...projection, topics: [topic] };
}
