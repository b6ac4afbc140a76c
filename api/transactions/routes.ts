import type { FastifyPluginAsync } from 'fastify';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { accountRoutes } from './account-routes.ts';
import { ruleRoutes } from './rule-routes.ts';

/** The transactions slice's routes: accounts and their transactions (account-routes), cleansing rules (rule-routes). */
export const transactionsRoutes: FastifyPluginAsync<SliceRouteOptions> = async (app, options) => {
  const warehouse = options.projections.warehouse;
  if (!warehouse) throw new Error('the transactions routes need the warehouse projection');
  await app.register(accountRoutes, { options, warehouse });
  await app.register(ruleRoutes, { options });
};
