import { expect } from 'vitest';
import type { TopicName } from '../../infra/kafka/topics.ts';
import { inTransaction } from '../../infra/postgres/transaction.ts';
import type { Position } from '../../producers/publisher.ts';
import { checkpoints } from '../../processors/runtime/store.ts';
import { startProjection } from '../../projections/live.ts';
import { liveProcessorName, liveSchema, type Projection } from '../../projections/projection.ts';
import { identifier } from '../../projections/statement.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { Backbone } from './backbone.ts';
import { eventually } from './eventually.ts';
import { uniqueName } from './platform.ts';

/** A copy of the projection under a name of the test's own, reading the backbone's topics. */
export function isolatedProjection(projection: Projection, backbone: Backbone): Projection {
  return {
    ...projection,
    name: uniqueName(projection.name).replaceAll('-', '_'),
    topics: projection.topics.map((topic) => backbone.topics[topic as TopicName] ?? topic),
  };
}

/**
 * The integration tier of a projection's spec: events on Kafka in, rows in Postgres out.
 *
 *   await projectionScenario(eventCounts, backbone).given(history).when(batch).thenRows(sql, rows)
 *
 * The projection runs live under a name of its own on the backbone's topics; `thenRows` waits
 * until its checkpoints have passed every event published, then runs `sql` against its tables
 * (unqualified names resolve to the projection's schema) and compares the rows.
 */
export function projectionScenario(projection: Projection, backbone: Backbone) {
  const isolated = isolatedProjection(projection, backbone);
  const steps: (readonly TributaryEvent[])[] = [];
  const scenario = {
    projection: isolated,
    given(events: readonly TributaryEvent[]) {
      steps.push(events);
      return scenario;
    },
    when(events: readonly TributaryEvent[]) {
      steps.push(events);
      return scenario;
    },
    async thenRows(sql: string, expected: readonly Record<string, unknown>[], params: readonly unknown[] = []) {
      expect(await scenario.run(sql, params)).toEqual(expected);
    },
    /** Publishes every step, runs the projection until it has applied them all, and queries its tables. */
    async run(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
      const running = await startProjection(isolated, backbone.runtime(), { sessionTimeoutMs: 6000 });
      try {
        const written: Position[] = [];
        for (const events of steps) written.push(...(await backbone.publisher.publishBatch(events)));
        await eventually(
          async () => {
            const stored = await checkpoints(backbone.pool, liveProcessorName(isolated));
            for (const position of written) {
              const at = stored.find((c) => c.topic === position.topic && c.partition === position.partition);
              expect(at?.nextOffset ?? 0n, `${position.topic}/${position.partition}`).toBeGreaterThan(
                BigInt(position.offset),
              );
            }
          },
          { timeoutMs: 45_000 },
        );
      } finally {
        await running.stop();
      }
      return inTransaction(backbone.pool, async (tx) => {
        await tx.query(`set local search_path to ${identifier(liveSchema(isolated))}`);
        return (await tx.query(sql, [...params])).rows as Record<string, unknown>[];
      });
    },
  };
  return scenario;
}
