import type { Kafka } from 'kafkajs';
import type pg from 'pg';
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
  kafka: Kafka,
  pool: pg.Pool,
  projections: readonly Projection[],
): Promise<ProjectionStatus[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const statuses: ProjectionStatus[] = [];
    for (const projection of projections) {
      const stored = await checkpoints(pool, liveProcessorName(projection)).catch(() => []);
      const partitions: ProjectionStatus['partitions'][number][] = [];
      for (const topic of projection.topics) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
          const next = stored.find((c) => c.topic === topic && c.partition === partition)?.nextOffset ?? BigInt(low);
          partitions.push({
            topic,
            partition,
            position: next.toString(),
            end: high,
            lag: Math.max(0, Number(BigInt(high) - next)),
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
  } finally {
    await admin.disconnect();
  }
}
