import type { RuntimeDependencies } from '../../processors/runtime/dependencies.ts';
import type { Processor } from '../../processors/runtime/processor.ts';
import { startProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import type { Part } from '../startup.ts';
import { REALTIME_RELAY, type Catalogue } from './catalogue.ts';

/** A part of the processors role, with the name `start` prints and `--processors` selects it by. */
export interface RunnablePart {
  readonly name: string;
  readonly part: Part<{ stop(): Promise<void> }>;
}

/**
 * The catalogue as parts `Startup` runs, in `namesOf`'s order. The part's own name adds the kind
 * and the slice, so a failure says where to look.
 */
export function runnablePartsOf(catalogue: Catalogue, relay: Processor, runtime: RuntimeDependencies): RunnablePart[] {
  const stop = (running: { stop(): Promise<void> }) => running.stop();
  return [
    ...catalogue.projections.map(({ slice, projection }) => ({
      name: `projection ${projection.name}`,
      part: {
        name: `projection ${projection.name} (${slice.name})`,
        start: () => startProjection(projection, runtime),
        stop,
      },
    })),
    ...catalogue.processors.map(({ slice, processor }) => ({
      name: processor.name,
      part: {
        name: `processor ${processor.name} (${slice.name})`,
        start: () => startProcessor(processor, runtime),
        stop,
      },
    })),
    { name: REALTIME_RELAY, part: { name: REALTIME_RELAY, start: () => startProcessor(relay, runtime), stop } },
    ...catalogue.workers.map(({ slice, worker }) => ({
      name: worker.name,
      part: { name: `worker ${worker.name} (${slice.name})`, start: () => worker.start(), stop },
    })),
  ];
}

/** The parts a selection names, in start order. */
export function selectedParts(parts: readonly RunnablePart[], names: readonly string[]): RunnablePart[] {
  const wanted = new Set(names);
  return parts.filter((part) => wanted.has(part.name));
}
