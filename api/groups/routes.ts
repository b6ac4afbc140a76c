import type { FastifyPluginAsync } from 'fastify';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { assignmentRoutes } from './assignment-routes.ts';
import { groupsContext } from './context.ts';
import { groupRoutes } from './group-routes.ts';

/** The groups slice's routes: groups and memberships (group-routes), assignment files and their jobs (assignment-routes). */
export const groupsRoutes: FastifyPluginAsync<SliceRouteOptions> = async (app, options) => {
  const context = groupsContext(app, options);
  await app.register(groupRoutes, { context });
  await app.register(assignmentRoutes, { context });
};
