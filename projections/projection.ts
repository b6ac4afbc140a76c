import type { Migration } from '../infra/postgres/migrations.ts';
import type { CheckpointedProcessor, ConsumedEvent } from '../processors/runtime/processor.ts';
import { EVENT_ROUTES } from '../schemas/catalog.ts';
import type { EventOf, EventType } from '../schemas/generated/events.ts';
import { runStatements } from './run-statements.ts';
import type { Statement } from './statement.ts';

/**
 * A Postgres read model, in the shape Emmett and Marten give projections: the event types it
 * handles, the tables it owns (created by its migrations), and a pure function from a batch
 * of events to SQL statements. The runner executes the statements in the transaction that
 * advances the checkpoint, so a batch is applied exactly once; the function itself never
 * touches a database and is unit-tested with events in, statements out.
 *
 * Its tables live in a Postgres schema of its own, so a rebuild can fill a shadow copy while the
 * live one serves, and swap by name: statements and migrations name tables without a schema;
 * queries use `qualified()`.
 */
export interface Projection {
  /** Lower-case letters, digits and underscores: it names the schema, the checkpoints and the group. */
  readonly name: string;
  /** The event types it applies; others on its topics are skipped. */
  readonly handles: readonly EventType[];
  /** The Kafka topics holding those types (from the catalog; tests point them at their own copies). */
  readonly topics: readonly string[];
  readonly migrations: readonly Migration[];
  /** The tables the projection owns, compared by `replay --dry-run`. */
  readonly tables: readonly string[];
  /** A batch of one partition's events, in offset order, to statements; events it does not handle are left out. */
  project(events: readonly ConsumedEvent[]): readonly Statement[];
}

/**
 * What a projection's author writes: `project` sees only the event types it handles, typed as
 * such. Set-based: one statement per table per batch (multi-row, UNNEST, jsonb_populate_recordset),
 * never one per event. Pure: the same events give the same statements.
 */
export interface ProjectionSpec<T extends EventType> {
  readonly name: string;
  readonly handles: readonly T[];
  readonly migrations: readonly Migration[];
  readonly tables: readonly string[];
  project(events: readonly ConsumedEvent<EventOf<T>>[]): readonly Statement[];
}

/**
 * A projection from its spec: the topics follow from the event types through the catalog, and the
 * events it does not handle are dropped before the spec's `project` sees them. The result is the
 * one `Projection` type the platform lists and runs, whatever event types each handles.
 */
export function defineProjection<T extends EventType>(spec: ProjectionSpec<T>): Projection {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.name))
    throw new Error(`projection name ${spec.name} must be lower-case letters, digits and underscores`);
  if (spec.handles.length === 0) throw new Error(`projection ${spec.name} handles no event type`);
  return {
    name: spec.name,
    handles: spec.handles,
    migrations: spec.migrations,
    tables: spec.tables,
    topics: topicsOf(spec.handles),
    project: (events) => spec.project(handledBy(spec, events)),
  };
}

/** The topics that hold these event types, each once, in catalog order. */
export function topicsOf(types: readonly EventType[]): string[] {
  return [...new Set(types.map((type) => EVENT_ROUTES[type].topic))];
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

/** The events of a batch the projection handles, in the order given. */
export function handledBy<T extends EventType>(
  projection: { readonly handles: readonly T[] },
  events: readonly ConsumedEvent[],
): ConsumedEvent<EventOf<T>>[] {
  const handled = new Set<string>(projection.handles);
  return events.filter((consumed): consumed is ConsumedEvent<EventOf<T>> => handled.has(consumed.event.type));
}

/** The checkpointed processor that runs the projection's statements in `schema`'s tables. */
export function projectionProcessor(projection: Projection, target: 'live' | 'shadow'): CheckpointedProcessor {
  if (!/^[a-z][a-z0-9_]*$/.test(projection.name))
    throw new Error(`projection name ${projection.name} must be lower-case letters, digits and underscores`);
  return {
    name: target === 'live' ? liveProcessorName(projection) : rebuildProcessorName(projection),
    topics: projection.topics,
    mode: 'checkpointed',
    schema: target === 'live' ? liveSchema(projection) : shadowSchema(projection),
    ...(target === 'shadow' ? { followsDiscardsOf: liveProcessorName(projection) } : {}),
    concurrency: target === 'live' ? 3 : 6,
    // Its tables are rebuilt from Kafka: a unit a Postgres crash loses is applied again from its
    // checkpoint, so a commit need not wait for the disk (the one wait COPY's single commit pays once).
    asynchronousCommit: true,
    async handle(events, { tx }) {
      await runStatements(tx, projection.project(events));
    },
  };
}
