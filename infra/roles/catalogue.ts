import type { Processor } from '../../processors/runtime/processor.ts';
import type { Projection } from '../../projections/projection.ts';
import type { Slice, SliceWorker, SliceWorkerContext } from '../../slices/slice.ts';
import type { Config } from '../config/index.ts';

/** The name `start` prints for the relay, which every instance of the processors role runs. */
export const REALTIME_RELAY = 'realtime relay';

/** Everything the processors role can run, each with its slice, built but not started. */
export interface Catalogue {
  readonly projections: readonly { readonly slice: Slice; readonly projection: Projection }[];
  readonly processors: readonly { readonly slice: Slice; readonly processor: Processor }[];
  readonly workers: readonly { readonly slice: Slice; readonly worker: SliceWorker }[];
}

/** Builds the slices' processors and workers; builders only capture their context, nothing connects. */
export function catalogueOf(
  slices: readonly Slice[],
  context: Omit<SliceWorkerContext, 'projections' | 'slices'>,
): Catalogue {
  return {
    projections: slices.flatMap((slice) =>
      Object.values(slice.projections).map((projection) => ({ slice, projection })),
    ),
    processors: slices.flatMap((slice) =>
      slice
        .processors({ publisher: context.publisher, config: context.config })
        .map((processor) => ({ slice, processor })),
    ),
    workers: slices.flatMap((slice) =>
      slice.workers({ ...context, projections: slice.projections, slices }).map((worker) => ({ slice, worker })),
    ),
  };
}

/** The names `start` prints and `--processors` takes, in the order they start. */
export function namesOf(catalogue: Catalogue): string[] {
  return [
    ...catalogue.projections.map(({ projection }) => `projection ${projection.name}`),
    ...catalogue.processors.map(({ processor }) => processor.name),
    REALTIME_RELAY,
    ...catalogue.workers.map(({ worker }) => worker.name),
  ];
}

/**
 * The names alone, for a command that starts nothing (`export`): the builders get clients that
 * throw when touched, so a builder that began to connect at build time would fail loudly here.
 */
export function processorNamesOf(slices: readonly Slice[], config: Config): string[] {
  const untouchable = <T>(what: string): T =>
    new Proxy({} as object, {
      get(_target, property) {
        throw new Error(`listing the processors touched ${what}.${String(property)}: a builder must not connect`);
      },
    }) as T;
  return namesOf(
    catalogueOf(slices, {
      config,
      publisher: untouchable('the publisher'),
      aws: untouchable('the AWS clients'),
      pool: untouchable('the Postgres pool'),
      logger: untouchable('the logger'),
      runtime: untouchable('the runtime'),
    }),
  );
}
