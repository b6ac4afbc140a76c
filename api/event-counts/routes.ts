import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { eventCountsOf } from '../../projections/event-counts/queries.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';
import { problem, problemRef } from '../errors.ts';

export const READ_EVENTS_SCOPE = 'events:read';

const EventCounts = Type.Object({
  organizationId: Type.String(),
  counts: Type.Array(
    Type.Object({
      eventType: Type.String(),
      events: Type.Integer(),
      lastOccurredAt: Type.String({ format: 'date-time' }),
    }),
  ),
});

/** How many events of each type an organization has published: the event_counts read model. */
export const eventCountRoutes: FastifyPluginAsync<SliceRouteOptions> = async (instance, options) => {
  const projection = options.projections.counts;
  if (!projection) throw new Error('eventCountRoutes needs the counts projection');
  const { pool, api } = options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/organizations/:organizationId/event-counts',
    {
      config: { scope: READ_EVENTS_SCOPE, rateLimit: { max: api.rateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: "An organization's event counts by type",
        tags: ['reads'],
        params: Type.Object({ organizationId: Type.String({ minLength: 1, maxLength: 200 }) }),
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.String({ description: 'A position a command returned: wait until the read model has applied it.' }),
            ),
            wait: Type.Optional(
              Type.Integer({
                minimum: 0,
                description: 'Longest wait for `after`, in ms (capped by API_READ_WAIT_MS).',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        // 401, 403, 414, 429 and 500 are documented for every route like this one (api/openapi).
        response: { 200: EventCounts, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      // Another organization's data does not exist for this caller: 404, never 403.
      if (request.params.organizationId !== principal.organizationId) throw problem.notFound();
      if (request.query.after !== undefined) {
        const wait = Math.min(request.query.wait ?? api.readWaitMs, api.readWaitMs);
        await app.readPositions.waitFor(projection, request.query.after, wait);
      }
      const counts = await eventCountsOf(pool, principal.organizationId, projection);
      return {
        organizationId: principal.organizationId,
        counts: counts.map((c) => ({ ...c, lastOccurredAt: c.lastOccurredAt.toISOString() })),
      };
    },
  );
};
