import type { Migration } from '../infra/postgres/migrations.ts';
import type { CheckpointedContext, CheckpointedProcessor, ConsumedEvent } from '../processors/runtime/processor.ts';

/**
 * A Postgres read model: the events it reads, the tables it owns (created by its migrations),
 * and a handler that turns events into statements. Its tables live in a Postgres schema of
 * its own, so a rebuild can fill a shadow copy while the live one serves, and swap by name.
 * The handler and migrations name tables without a schema; queries use `qualified()`.
 */
export interface Projection {
  /** Lower-case letters, digits and underscores: it names the schema, the checkpoints and the group. */
  readonly name: string;
  readonly topics: readonly string[];
  readonly migrations: readonly Migration[];
  /** The tables the projection owns, compared by `replay --dry-run`. */
  readonly tables: readonly string[];
  handle(events: readonly ConsumedEvent[], context: CheckpointedContext): Promise<void>;
}

export function liveSchema(projection: Pick<Projection, 'name'>): string {
  return `projection_${projection.name}`;
}

export function shadowSchema(projection: Pick<Projection, 'name'>): string {
  return `projection_${projection.name}__shadow`;
}

/** The live table's name for queries: `projection_<name>.<table>`. */
export function qualified(projection: Pick<Projection, 'name'>, table: string): string {
  return `"${liveSchema(projection)}"."${table}"`;
}

export function liveProcessorName(projection: Pick<Projection, 'name'>): string {
  return `projection.${projection.name}`;
}

export function rebuildProcessorName(projection: Pick<Projection, 'name'>): string {
  return `projection.${projection.name}.rebuild`;
}

export function migrationOwner(projection: Pick<Projection, 'name'>, target: 'live' | 'shadow'): string {
  return target === 'live' ? `projection:${projection.name}` : `projection:${projection.name}:shadow`;
}

/** The checkpointed processor that writes the projection's tables in `schema`. */
export function projectionProcessor(projection: Projection, target: 'live' | 'shadow'): CheckpointedProcessor {
  if (!/^[a-z][a-z0-9_]*$/.test(projection.name))
    throw new Error(`projection name ${projection.name} must be lower-case letters, digits and underscores`);
  return {
    name: target === 'live' ? liveProcessorName(projection) : rebuildProcessorName(projection),
    topics: projection.topics,
    mode: 'checkpointed',
    schema: target === 'live' ? liveSchema(projection) : shadowSchema(projection),
    concurrency: target === 'live' ? 3 : 6,
    handle: (events, context) => projection.handle(events, context),
  };
}
