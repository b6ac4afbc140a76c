import type { PartitionLag, ProcessorMetrics } from '../../processors/runtime/metrics.ts';

/** What one instance's consumers are doing: what `/health/ready` and the heartbeat report. */
export interface ProcessingReport {
  /** Every part this instance was asked to run has started. */
  readonly started: boolean;
  /** Records behind, summed over every partition this instance holds. */
  readonly lag: number;
  readonly processors: readonly ProcessorReport[];
}

export interface ProcessorReport {
  /** The consumer's name, as the metrics label it (`tributary_processor_lag{processor=…}`). */
  readonly processor: string;
  /** false once its consumer crashed for good (kafkajs gave up restarting it). */
  readonly running: boolean;
  readonly lag: number;
  readonly partitions: readonly Omit<PartitionLag, 'processor'>[];
}

/**
 * Builds the report from the process's metrics, so readiness, the heartbeat and Prometheus tell
 * the same figures. A partition appears once its first batch was handled on this instance.
 */
export async function processingReport(metrics: ProcessorMetrics, started: boolean): Promise<ProcessingReport> {
  const lags = await metrics.lagByPartition();
  const running = (await metrics.running.get()).values.map(({ labels, value }) => ({
    processor: String(labels.processor),
    running: value === 1,
  }));
  const names = [...new Set([...running.map((r) => r.processor), ...lags.map((l) => l.processor)])].sort();
  const processors = names.map((processor) => {
    const partitions = lags
      .filter((l) => l.processor === processor)
      .map(({ topic, partition, lag }) => ({ topic, partition, lag }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return {
      processor,
      running: running.find((r) => r.processor === processor)?.running ?? true,
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      partitions,
    };
  });
  return { started, lag: processors.reduce((sum, p) => sum + p.lag, 0), processors };
}

/** Whether a load balancer or orchestrator should count on this instance's processing. */
export function processingReady(report: ProcessingReport): boolean {
  return report.started && report.processors.every((p) => p.running);
}
