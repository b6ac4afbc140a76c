import { migrate } from '../../infra/postgres/migrations.ts';
import type { SliceWorker, SliceWorkerContext } from '../../slices/slice.ts';
import { startProcessor } from '../runtime/runner.ts';
import { transactionsCleanser, type CleanserOptions } from './cleanser.ts';
import { LOADER_MIGRATIONS, LOADER_SCHEMA, transactionsLoader, type LoaderOptions } from './loader.ts';
import { CLEANSER_MIGRATIONS, CLEANSER_SCHEMA, migrationOwner } from './state.ts';

/**
 * The cleanser, run by `tributary start` as a worker rather than a bare processor: it owns tables
 * (rules, duplicate keys, balances) whose migrations must run before its first batch.
 */
export function cleanserWorker(context: SliceWorkerContext, options: Partial<CleanserOptions> = {}): SliceWorker {
  return {
    name: 'transactions-cleanser',
    async start() {
      const schema = options.schema ?? CLEANSER_SCHEMA;
      await migrateCleanser(context.pool, schema);
      return startProcessor(transactionsCleanser(context.publisher, { ...options, schema }), context.runtime);
    },
  };
}

export async function migrateCleanser(pool: SliceWorkerContext['pool'], schema = CLEANSER_SCHEMA): Promise<void> {
  await migrate(pool, migrationOwner(schema), CLEANSER_MIGRATIONS, { schema });
}

/** The connector flow's loader, with its table of what was announced. */
export function loaderWorker(context: SliceWorkerContext, options: Partial<LoaderOptions> = {}): SliceWorker {
  return {
    name: 'transactions-loader',
    async start() {
      const schema = options.schema ?? LOADER_SCHEMA;
      const warehouse = options.warehouse ?? context.projections.warehouse;
      if (!warehouse) throw new Error('the transactions loader needs the warehouse projection');
      await migrate(context.pool, `transactions-loader:${schema}`, LOADER_MIGRATIONS, { schema });
      return startProcessor(transactionsLoader(context.publisher, { ...options, schema, warehouse }), context.runtime);
    },
  };
}
