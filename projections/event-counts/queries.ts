import type pg from 'pg';
import { qualified, type Projection } from '../projection.ts';
import { eventCounts } from './projection.ts';

export interface EventCount {
  readonly eventType: string;
  readonly events: number;
  readonly lastOccurredAt: Date;
}

/** An organization's event counts by type; never another organization's. */
export async function eventCountsOf(
  db: Pick<pg.Pool, 'query'>,
  organizationId: string,
  projection: Pick<Projection, 'name'> = eventCounts,
): Promise<EventCount[]> {
  const { rows } = await db.query<{ event_type: string; events: string; last_occurred_at: Date }>(
    `select event_type, events, last_occurred_at from ${qualified(projection, 'event_counts')}
     where organization_id = $1 order by event_type`,
    [organizationId],
  );
  return rows.map((r) => ({ eventType: r.event_type, events: Number(r.events), lastOccurredAt: r.last_occurred_at }));
}
