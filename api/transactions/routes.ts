import type { FastifyPluginAsync } from 'fastify';
import { migrate } from '../../infra/postgres/migrations.ts';
import { liveSchema, migrationOwner } from '../../projections/projection.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { accountRoutes } from './account-routes.ts';
import { ruleRoutes } from './rule-routes.ts';

/** The transactions slice's routes: accounts and their transactions (account-routes), cleansing rules (rule-routes). */
export const transactionsRoutes: FastifyPluginAsync<SliceRouteOptions> = async (app, options) => {
  const warehouse = options.projections.warehouse;
  if (!warehouse) throw new Error('the transactions routes need the warehouse projection');
  // The routes read its tables: an API started before (or without) the projection answers 404, not 500.
  await migrate(options.pool, migrationOwner(warehouse, 'live'), warehouse.migrations, {
    schema: liveSchema(warehouse),
  });
  await app.register(accountRoutes, { options, warehouse });
  await app.register(ruleRoutes, { options });
};
