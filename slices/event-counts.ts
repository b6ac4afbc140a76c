import { eventCountRoutes, READ_EVENTS_SCOPE } from '../api/event-counts/routes.ts';
import { eventCounts } from '../projections/event-counts/projection.ts';
import { defineSlice } from './slice.ts';

/** Events per organization and type: the operator's first look at what flows, and the first read model. */
export const eventCountsSlice = defineSlice({
  name: 'event-counts',
  doc: 'Events per organization and type, with the last time each happened.',
  projections: { counts: eventCounts },
  routes: eventCountRoutes,
  scopes: [{ name: READ_EVENTS_SCOPE, doc: "Read the organization's event counts." }],
});
