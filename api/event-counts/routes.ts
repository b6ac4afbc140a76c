import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { eventCounts } from '../../projections/event-counts/projection.ts';
import { eventCountsOf } from '../../projections/event-counts/queries.ts';
import { liveProcessorName, type Projection } from '../../projections/projection.ts';
import { principalOf } from '../auth/plugin.ts';
import { SCOPES } from '../auth/principal.ts';
import { problem, problemResponses } from '../errors.ts';
import { decodePosition, waitForPosition } from '../positions.ts';

interface EventCountRoutesOptions {
  readonly pool: pg.Pool;
  readonly readWaitMs: number;
  readonly rateLimitPerMinute: number;
  /** The projection read (tests point it at their own copy). */
  readonly projection?: Pick<Projection, 'name'>;
}

/** How many events of each type an organization has published: the event_counts read model. */
export const eventCountRoutes: FastifyPluginAsync<EventCountRoutesOptions> = async (app, options) => {
  const projection = options.projection ?? eventCounts;
  app.get<{ Params: { organizationId: string }; Querystring: { after?: string; wait?: number } }>(
    '/v1/organizations/:organizationId/event-counts',
    {
      config: { scope: SCOPES.readEvents, rateLimit: { max: options.rateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: "An organization's event counts by type",
        tags: ['reads'],
        params: {
          type: 'object',
          required: ['organizationId'],
          properties: { organizationId: { type: 'string', minLength: 1 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: {
              type: 'string',
              description: 'A position a command returned: wait until the read model has applied it.',
            },
            wait: {
              type: 'integer',
              minimum: 0,
              description: 'Longest wait for `after`, in ms (capped by API_READ_WAIT_MS).',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['organizationId', 'counts'],
            properties: {
              organizationId: { type: 'string' },
              counts: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['eventType', 'events', 'lastOccurredAt'],
                  properties: {
                    eventType: { type: 'string' },
                    events: { type: 'integer' },
                    lastOccurredAt: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      // Another organization's data does not exist for this caller: 404, never 403.
      if (request.params.organizationId !== principal.organizationId) throw problem.notFound();
      if (request.query.after !== undefined) {
        const position = decodePosition(request.query.after);
        const wait = Math.min(request.query.wait ?? options.readWaitMs, options.readWaitMs);
        if (!(await waitForPosition(options.pool, liveProcessorName(projection), position, wait)))
          throw problem.positionNotReached(wait);
      }
      const counts = await eventCountsOf(options.pool, principal.organizationId, projection);
      return {
        organizationId: principal.organizationId,
        counts: counts.map((c) => ({ ...c, lastOccurredAt: c.lastOccurredAt.toISOString() })),
      };
    },
  );
};
