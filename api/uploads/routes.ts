import type { FastifyPluginAsync } from 'fastify';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { attachmentRoutes } from './attachment-routes.ts';
import { uploadsContext } from './context.ts';
import { uploadRoutes } from './upload-routes.ts';

/** The uploads slice's routes: URLs and multipart (upload-routes), the attachments (attachment-routes). */
export const uploadsRoutes: FastifyPluginAsync<SliceRouteOptions> = async (app, options) => {
  const context = uploadsContext(options);
  await app.register(uploadRoutes, { context });
  await app.register(attachmentRoutes, { context });
};
