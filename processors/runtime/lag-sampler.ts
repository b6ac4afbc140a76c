import { KafkaAdmin } from '../../infra/kafka/admin.ts';
import type { KafkaConnection } from '../../infra/kafka/client.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import type { ProcessorMetrics } from './metrics.ts';

/**
 * Measures the lag of every partition this process holds from the cluster: the end of the
 * partition against the group's committed offset. The batches measure it too, but only while
 * records flow: a partition stuck retrying, or held but idle since the rebalance, would otherwise
 * keep an old figure or none. `start` runs it before each heartbeat.
 */
export class LagSampler {
  private readonly admin: KafkaAdmin;

  constructor(
    kafka: KafkaConnection,
    private readonly metrics: ProcessorMetrics,
    private readonly logger: Logger,
  ) {
    this.admin = new KafkaAdmin(kafka);
  }

  async sample(): Promise<void> {
    for (const [processor, { groupId, partitions }] of this.metrics.assignments) {
      for (const [topic, held] of Object.entries(partitions)) {
        if (held.length === 0) continue;
        try {
          const [ends, committed] = await Promise.all([
            this.admin.topicOffsets(topic),
            this.admin.committedOffsets(groupId, topic),
          ]);
          for (const partition of held) {
            const range = ends.find((r) => r.partition === partition);
            if (!range) continue;
            const position = committed.find((c) => c.partition === partition)?.offset ?? range.low;
            const lag = Number(range.high > position ? range.high - position : 0n);
            // Still held? A rebalance while the cluster answered may have moved it elsewhere.
            if (this.metrics.assignments.get(processor)?.partitions[topic]?.includes(partition))
              this.metrics.lag.set({ processor, topic, partition: String(partition) }, lag);
          }
        } catch (error) {
          this.logger.warn({ err: error, processor, topic }, 'could not measure the lag');
        }
      }
    }
  }

  close(): Promise<void> {
    return this.admin.close();
  }
}
