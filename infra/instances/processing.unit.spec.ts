import { describe, expect, it } from 'vitest';
import { ProcessorMetrics } from '../../processors/runtime/metrics.ts';
import { processingReady, processingReport } from './processing.ts';

describe('the processing report of an instance', () => {
  it('when consumers measured their lag per partition, then the report sums it per processor and overall', async () => {
    const metrics = new ProcessorMetrics();
    metrics.running.set({ processor: 'a' }, 1);
    metrics.running.set({ processor: 'b' }, 1);
    metrics.lag.set({ processor: 'a', topic: 't', partition: '1' }, 4);
    metrics.lag.set({ processor: 'a', topic: 't', partition: '0' }, 6);

    const report = await processingReport(metrics, true);

    expect(report).toEqual({
      started: true,
      lag: 10,
      processors: [
        {
          processor: 'a',
          running: true,
          lag: 10,
          partitions: [
            { topic: 't', partition: 0, lag: 6 },
            { topic: 't', partition: 1, lag: 4 },
          ],
        },
        { processor: 'b', running: true, lag: 0, partitions: [] },
      ],
    });
    expect(processingReady(report)).toBe(true);
  });

  it('when a rebalance takes partitions away, then their lag is no longer reported here (the new owner reports it)', async () => {
    const metrics = new ProcessorMetrics();
    for (const partition of ['0', '1', '2']) metrics.lag.set({ processor: 'a', topic: 't', partition }, 3);
    metrics.lag.set({ processor: 'other', topic: 't', partition: '2' }, 9);

    await metrics.keepLagOf('a', { t: [1] });

    expect(await metrics.lagByPartition()).toEqual([
      { processor: 'a', topic: 't', partition: 1, lag: 3 },
      { processor: 'other', topic: 't', partition: 2, lag: 9 },
    ]);
  });

  it('when a consumer crashed for good, then the instance is not ready', async () => {
    const metrics = new ProcessorMetrics();
    metrics.running.set({ processor: 'a' }, 0);
    expect(processingReady(await processingReport(metrics, true))).toBe(false);
    expect(processingReady(await processingReport(new ProcessorMetrics(), false))).toBe(false);
  });
});
