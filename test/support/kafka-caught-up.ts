import { expect } from 'vitest';
import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import { checkpoints } from '../../processors/runtime/store.ts';
import type { Backbone } from './backbone.ts';
import { eventually, type EventuallyOptions } from './eventually.ts';

/**
 * Waits until the checkpointed processor's checkpoints have reached the end every partition of
 * `topic` has now: it has handled every record published so far. Assert what must not have
 * happened (a duplicate, a record applied out of turn) after this, not after a fixed sleep.
 */
export async function untilCaughtUp(
  backbone: Pick<Backbone, 'kafka' | 'pool'>,
  processor: string,
  topic: string,
  options?: EventuallyOptions,
): Promise<void> {
  const ends = await withKafkaAdmin(backbone.kafka, (admin) => admin.topicOffsets(topic));
  await eventually(async () => {
    const stored = await checkpoints(backbone.pool, processor);
    for (const { partition, high } of ends) {
      const next = stored.find((c) => c.topic === topic && c.partition === partition)?.nextOffset ?? 0n;
      expect(next, `${processor} at ${topic}/${partition}`).toBeGreaterThanOrEqual(high);
    }
  }, options);
}
