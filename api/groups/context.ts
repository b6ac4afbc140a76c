import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Requester } from '../../producers/groups/manage-groups.ts';
import type { Projection } from '../../projections/projection.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';

/** What the groups routes share: the options and the memberships read model. */
export interface GroupsContext {
  readonly options: SliceRouteOptions;
  readonly projection: Projection;
  /** Waits until the read model has applied `after` (read-your-writes). */
  caughtUp(query: { after?: string; wait?: number }): Promise<void>;
}

export function groupsContext(app: FastifyInstance, options: SliceRouteOptions): GroupsContext {
  const projection = options.projections.memberships;
  if (!projection) throw new Error('the groups routes need the memberships projection');
  const { readWaitMs } = options.api;
  return {
    options,
    projection,
    async caughtUp(query) {
      if (query.after === undefined) return;
      await app.readPositions.waitFor(projection, query.after, Math.min(query.wait ?? readWaitMs, readWaitMs));
    },
  };
}

/** The caller, as the events it causes record it. */
export function requesterOf(request: FastifyRequest): Requester {
  const principal = principalOf(request);
  return { organizationId: principal.organizationId, subject: principal.subject, correlationId: request.id };
}
