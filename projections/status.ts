import type pg from 'pg';
import { withKafkaAdmin } from '../infra/kafka/admin.ts';
import type { KafkaConnection } from '../infra/kafka/client.ts';
import { checkpoints, lastError } from '../processors/runtime/store.ts';
import { liveProcessorName, type Projection } from './projection.ts';

export interface ProjectionStatus {
  readonly projection: string;
  readonly partitions: readonly { topic: string; partition: number; position: string; end: string; lag: number }[];
  readonly lag: number;
  readonly lastError?: { error: string; occurredAt: Date };
}

/** Each projection's position per partition against the end of the topic, its lag and last error. */
export async function projectionStatus(
  kafka: KafkaConnection,
  pool: pg.Pool,
  projections: readonly Projection[],
): Promise<ProjectionStatus[]> {
  return withKafkaAdmin(kafka, async (admin) => {
    const statuses: ProjectionStatus[] = [];
    for (const projection of projections) {
      const stored = await checkpoints(pool, liveProcessorName(projection)).catch(() => []);
      const partitions: ProjectionStatus['partitions'][number][] = [];
      for (const topic of projection.topics) {
        for (const { partition, high, low } of await admin.topicOffsets(topic)) {
          const next = stored.find((c) => c.topic === topic && c.partition === partition)?.nextOffset ?? low;
          partitions.push({
            topic,
            partition,
            position: next.toString(),
            end: high.toString(),
            lag: Math.max(0, Number(high - next)),
          });
        }
      }
      const error = await lastError(pool, liveProcessorName(projection)).catch(() => undefined);
      statuses.push({
        projection: projection.name,
        partitions,
        lag: partitions.reduce((sum, p) => sum + p.lag, 0),
        ...(error ? { lastError: error } : {}),
      });
    }
    return statuses;
  });
}
