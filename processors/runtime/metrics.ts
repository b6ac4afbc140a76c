import { Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of every processor in this process; the API serves them at /metrics. */
export class ProcessorMetrics {
  readonly registry: Registry;
  readonly events: Counter<'processor' | 'topic' | 'outcome'>;
  readonly retries: Counter<'processor' | 'topic'>;
  readonly deadLetters: Counter<'processor' | 'topic' | 'reason'>;
  readonly lag: Gauge<'processor' | 'topic' | 'partition'>;
  readonly running: Gauge<'processor'>;
  /** Each consumer's group and the partitions this process holds, as of its last rebalance. */
  readonly assignments = new Map<string, ConsumerAssignment>();

  constructor(registry = new Registry()) {
    this.registry = registry;
    this.events = new Counter({
      name: 'tributary_processor_events_total',
      help: 'Events handled, by outcome: applied, skipped (at or below the checkpoint, or addressed to another processor), dead_lettered.',
      labelNames: ['processor', 'topic', 'outcome'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'tributary_processor_retries_total',
      help: 'Handler attempts that failed and were retried.',
      labelNames: ['processor', 'topic'],
      registers: [registry],
    });
    this.deadLetters = new Counter({
      name: 'tributary_processor_dead_letters_total',
      help: 'Records sent to a dead-letter topic, by reason: undecodable, failed, parked.',
      labelNames: ['processor', 'topic', 'reason'],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'tributary_processor_lag',
      help: 'Records between the last one handled and the end of the partition.',
      labelNames: ['processor', 'topic', 'partition'],
      registers: [registry],
    });
    this.running = new Gauge({
      name: 'tributary_processor_running',
      help: 'Consumers of this process: 1 while running, 0 once crashed or stopped.',
      labelNames: ['processor'],
      registers: [registry],
    });
  }

  /**
   * Drops the lag of partitions this process no longer holds, so after a rebalance only the
   * instance that owns a partition reports it and a sum over instances counts each once.
   */
  async keepLagOf(
    processor: string,
    assigned: Readonly<Record<string, readonly number[]>>,
    groupId?: string,
  ): Promise<void> {
    if (groupId) this.assignments.set(processor, { groupId, partitions: assigned });
    for (const { labels } of (await this.lag.get()).values) {
      if (labels.processor !== processor) continue;
      const held = assigned[String(labels.topic)]?.includes(Number(labels.partition)) ?? false;
      if (!held) this.lag.remove(labels);
    }
  }

  /** This process's lag, by processor and partition, as last measured. */
  async lagByPartition(): Promise<PartitionLag[]> {
    return (await this.lag.get()).values.map(({ labels, value }) => ({
      processor: String(labels.processor),
      topic: String(labels.topic),
      partition: Number(labels.partition),
      lag: value,
    }));
  }
}

export interface ConsumerAssignment {
  readonly groupId: string;
  readonly partitions: Readonly<Record<string, readonly number[]>>;
}

export interface PartitionLag {
  readonly processor: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}
