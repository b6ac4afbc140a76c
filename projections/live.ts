import type pg from 'pg';
import { migrate } from '../infra/postgres/migrations.ts';
import {
  startProcessor,
  type RunningProcessor,
  type RuntimeDependencies,
  type RunOptions,
} from '../processors/runtime/runner.ts';
import { liveSchema, migrationOwner, projectionProcessor, type Projection } from './projection.ts';

/** Applies the projection's pending migrations to its live schema (idempotent; concurrent callers take turns). */
export async function migrateLive(projection: Projection, pool: pg.Pool): Promise<void> {
  await migrate(pool, migrationOwner(projection, 'live'), projection.migrations, { schema: liveSchema(projection) });
}

/** Applies the projection's pending migrations to its live schema, then runs it. */
export async function startProjection(
  projection: Projection,
  deps: RuntimeDependencies,
  options: RunOptions = {},
): Promise<RunningProcessor> {
  await migrateLive(projection, deps.pool);
  return startProcessor(projectionProcessor(projection, 'live'), deps, options);
}
