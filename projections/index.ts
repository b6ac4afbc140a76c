import { OperatorError } from '../infra/errors.ts';
import { eventCounts } from './event-counts/projection.ts';
import type { Projection } from './projection.ts';

/** Every projection `tributary start` runs and `tributary replay` can rebuild. */
export const PROJECTIONS: readonly Projection[] = [eventCounts];

export function projectionNamed(name: string): Projection {
  const found = PROJECTIONS.find((p) => p.name === name);
  if (!found)
    throw new OperatorError(`no projection named '${name}'; there are: ${PROJECTIONS.map((p) => p.name).join(', ')}`);
  return found;
}
