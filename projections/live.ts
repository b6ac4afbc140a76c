import { migrate } from '../infra/postgres/migrations.ts';
import {
  startProcessor,
  type RunningProcessor,
  type RuntimeDependencies,
  type RunOptions,
} from '../processors/runtime/runner.ts';
import { liveSchema, migrationOwner, projectionProcessor, type Projection } from './projection.ts';

/** Applies the projection's pending migrations to its live schema, then runs it. */
export async function startProjection(
  projection: Projection,
  deps: RuntimeDependencies,
  options: RunOptions = {},
): Promise<RunningProcessor> {
  await migrate(deps.pool, migrationOwner(projection, 'live'), projection.migrations, {
    schema: liveSchema(projection),
  });
  return startProcessor(projectionProcessor(projection, 'live'), deps, options);
}
