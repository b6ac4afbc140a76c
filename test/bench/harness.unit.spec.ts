import { describe, expect, it } from 'vitest';
import { absoluteFigure, median, missedLines, quantile, ratioFigure, repeat } from './harness.ts';
import { chart, markdownTable, type BenchRun } from './report.ts';

const run = (measures: BenchRun['measures']): BenchRun => ({
  startedAt: '2026-11-23T00:00:00.000Z',
  seconds: 600,
  machine: {
    cores: 2,
    memoryGiB: 24,
    cpuModel: 'cpu',
    node: 'v20',
    platform: 'linux x64',
    loadAverage: { start: 1, end: 2 },
  },
  options: { repetitions: 3, warmUps: 1 },
  measures,
  failed: [],
});

describe('the bench harness', () => {
  it('when repetitions are taken, then warm-ups are discarded and the medians of the figure, the ceiling and the paired ratios are reported', async () => {
    const pairs = [
      { value: 999, ceiling: 1 },
      { value: 10, ceiling: 100 },
      { value: 30, ceiling: 60 },
      { value: 20, ceiling: 80 },
    ];
    let i = 0;
    const measured = await repeat(
      { repetitions: 3, warmUps: 1 },
      () => undefined,
      async () => pairs[i++]!,
    );
    expect(measured).toMatchObject({ value: 20, ceiling: 80, ratio: 0.25 });
    expect(measured.samples).toHaveLength(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([5, 1, 2, 3, 4], 0.99)).toBe(5);
  });

  it('when a figure falls short of its target, then it is marked missed and a plain line says so; absolute targets compare the value', () => {
    const publish = ratioFigure(
      {
        id: 'publish',
        group: 'platform',
        label: 'l',
        unit: 'events/s',
        ceiling: { unit: 'records/s', label: 'java' },
        target: { of: 'ratio', op: '>=', value: 0.5 },
      },
      { value: 40, ceiling: 100 },
    );
    const p99 = absoluteFigure(
      { id: 'fanout-p99', group: 'platform', label: 'l', unit: 'ms', target: { of: 'value', op: '<=', value: 50 } },
      12,
    );
    expect(publish).toMatchObject({ ratio: 0.4, met: false });
    expect(p99).toMatchObject({ ratio: null, met: true });
    expect(missedLines([publish, p99])).toEqual(['target missed: publish: ratio 0.4, target >= 0.5']);
  });

  it('when a run is reported, then the table shows each figure beside its ceiling and target, and the chart draws a bar per ratio', () => {
    const figures = [
      ratioFigure(
        {
          id: 'consume',
          group: 'platform',
          label: 'decoded',
          unit: 'MB/s',
          ceiling: { unit: 'MB/s', label: 'perf test' },
          target: { of: 'ratio', op: '>=', value: 0.4 },
        },
        { value: 5, ceiling: 10 },
      ),
      absoluteFigure(
        { id: 'fanout-p50', group: 'platform', label: 'p50', unit: 'ms', target: { of: 'value', op: '<=', value: 10 } },
        20,
      ),
    ];
    const table = markdownTable(run(figures));
    expect(table).toContain('| **consume**: decoded | 5 MB/s | 10 MB/s (perf test) | 0.50 | ratio ≥ 0.4 | met |');
    expect(table).toContain('- target missed: fanout-p50: 20 ms, target <= 10 ms');
    const svg = chart(run(figures));
    expect(svg.match(/<rect /g)).toHaveLength(2); // the background and the one ratio
    expect(svg).toContain('>consume<');
  });
});
