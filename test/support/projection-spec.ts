import { expect } from 'vitest';
import type { ConsumedEvent } from '../../processors/runtime/processor.ts';
import type { Projection } from '../../projections/projection.ts';
import type { Statement } from '../../projections/statement.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';

/** Events as one partition delivers them: in order, with consecutive offsets. */
export function delivered(events: readonly TributaryEvent[], firstOffset = 0): ConsumedEvent[] {
  return events.map((event, index) => ({
    event,
    topic: EVENT_ROUTES[event.type].topic,
    partition: 0,
    offset: String(firstOffset + index),
    key: null,
  }));
}

/**
 * The unit tier of a projection's spec: events in, statements out, no database.
 *
 *   projectionSpec(eventCounts).when([thread, message]).then((statements) => ...)
 *
 * Events the projection does not handle are dropped first, as the runner drops them.
 */
export function projectionSpec(projection: Projection) {
  return {
    when(events: readonly TributaryEvent[]) {
      const statements = projection.project(delivered(events));
      return {
        then(assert: (statements: readonly Statement[]) => void): void {
          assert(statements);
        },
        thenStatements(expected: readonly Statement[]): void {
          expect(statements).toEqual(expected);
        },
        thenNothing(): void {
          expect(statements).toEqual([]);
        },
      };
    },
  };
}
