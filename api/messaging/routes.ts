import type { FastifyPluginAsync } from 'fastify';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { messagingContext } from './context.ts';
import { messageRoutes } from './message-routes.ts';
import { threadRoutes } from './thread-routes.ts';

/** The messaging slice's routes: threads and who takes part (thread-routes), their messages (message-routes). */
export const messagingRoutes: FastifyPluginAsync<SliceRouteOptions> = async (app, options) => {
  const context = messagingContext(app, options);
  await app.register(threadRoutes, { context });
  await app.register(messageRoutes, { context });
};
