/**
 * The slices' own measures (each also runs standalone: node --import tsx test/bench/<name>.ts),
 * as figures of `npm run bench`: each against its ceiling, with the slice's target. They run once
 * (their workloads are large and their modules take their own medians where they repeat).
 */
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { absoluteFigure, ratioFigure, type Figure, type Progress } from './harness.ts';
import { measureGroupsImport } from './groups.ts';
import { measureTransactionsImport } from './imports.ts';
import { INGEST_LOAD, measureIngest } from './ingest.ts';
import { measureLake } from './lake.ts';
import { measureWarehouse, WAREHOUSE_DEFAULTS } from './warehouse.ts';

export interface SliceSizes {
  readonly importLines: number;
  readonly groupLines: number;
  readonly lakeRows: number;
}

const MIB = 2 ** 20;

export function sliceMeasures(
  backbone: Backbone,
  sizes: SliceSizes,
): Record<string, (progress: Progress) => Promise<Figure[]>> {
  return {
    async ingest(progress) {
      const { live, ingest } = await measureIngest(backbone, progress);
      const { connections, tokens, rounds, seconds } = INGEST_LOAD;
      return [
        ratioFigure(
          {
            id: 'ingest',
            group: 'slice',
            label: `HTTP ingest, one ThreadCreated per POST, ${connections} connections, ${tokens} tokens, median of ${rounds} rounds of ${seconds} s (p99 ${ingest.p99Ms} ms)`,
            unit: 'requests/s',
            ceiling: { unit: 'requests/s', label: 'GET /health/live, same server' },
          },
          { value: ingest.requestsPerSecond, ceiling: live.requestsPerSecond },
        ),
      ];
    },
    async imports(progress) {
      const f = await measureTransactionsImport(backbone, sizes.importLines, progress);
      const rssMb = f.peakRssBytes / MIB;
      return [
        ratioFigure(
          {
            id: 'import',
            group: 'slice',
            label: `import ${f.lines.toLocaleString('en')} transactions (${Math.round(f.bytes / MIB)} MiB): validate, publish acks=all, report, job events`,
            unit: 'lines/s',
            ceiling: { unit: 'lines/s', label: 'csv-parse alone, same file' },
            target: { of: 'ratio', op: '>=', value: 0.5 },
          },
          { value: (f.lines * 1000) / f.importMs, ceiling: (f.lines * 1000) / f.parseMs },
        ),
        absoluteFigure(
          {
            id: 'import-rss',
            group: 'slice',
            label: `peak RSS of the import process, a child of its own (${Math.round(f.baselineRssBytes / MIB)} MiB when connected, before the job)`,
            unit: 'MiB',
            target: { of: 'value', op: '<=', value: 300 },
          },
          rssMb,
        ),
      ];
    },
    async warehouse(progress) {
      // Topics of its own: its projection reads transactions.cleansed from offset zero, where the
      // consume measure's events would be too.
      const own = await isolatedBackbone({ partitions: 3 });
      const f = await measureWarehouse(own, progress, WAREHOUSE_DEFAULTS).finally(() => own.close());
      return [
        ratioFigure(
          {
            id: 'warehouse',
            group: 'slice',
            label: `warehouse projection, ${f.options.events.toLocaleString('en')} events, one run (the projection row above is its median)`,
            unit: 'events/s',
            ceiling: { unit: 'rows/s', label: 'raw COPY of the same rows' },
            target: { of: 'ratio', op: '>=', value: 0.5 },
          },
          { value: f.projectionPerSecond, ceiling: f.copyPerSecond },
        ),
        absoluteFigure(
          {
            id: 'paging-p99',
            group: 'slice',
            label: `page read p99 (p50 ${f.pageP50Ms} ms), ${f.options.pageReads} reads of 50 on an account of ${f.options.pagingRows.toLocaleString('en')} transactions, ${f.insertedWhilePaging} inserted meanwhile`,
            unit: 'ms',
          },
          f.pageP99Ms,
        ),
      ];
    },
    async lake(progress) {
      const f = await measureLake(backbone, progress, sizes.lakeRows);
      return [
        ratioFigure(
          {
            id: 'lake',
            group: 'slice',
            label: `log lake, ${f.rows.toLocaleString('en')} entries Kafka → zstd Parquet (partitioner, exactly once)`,
            unit: 'entries/s',
            ceiling: { unit: 'entries/s', label: 'DuckDB writing the same rows to Parquet' },
            target: { of: 'ratio', op: '>=', value: 0.7 },
          },
          { value: f.pipelinePerSecond, ceiling: f.duckdbPerSecond },
        ),
        absoluteFigure(
          {
            id: 'lake-pruning',
            group: 'slice',
            label: `files a structured query reads: ${f.filesRead} of ${f.filesWithoutPruning} without partition pruning`,
            unit: '%',
            target: { of: 'value', op: '<=', value: 5 },
          },
          (100 * f.filesRead) / Math.max(1, f.filesWithoutPruning),
        ),
      ];
    },
    async groups(progress) {
      const f = await measureGroupsImport(backbone, sizes.groupLines, progress);
      return [
        ratioFigure(
          {
            id: 'groups',
            group: 'slice',
            label: `group assignment file, ${f.lines.toLocaleString('en')} lines, ${f.eventsPublished.toLocaleString('en')} events published (the publisher alone sends them at ${f.publishOnlyLinesPerSecond.toLocaleString('en')} lines/s), peak RSS ${f.peakRssMb} MiB (${f.rssBeforeMb} MiB before the import)`,
            unit: 'lines/s',
            ceiling: { unit: 'lines/s', label: 'csv-parse alone, same file' },
            target: { of: 'ratio', op: '>=', value: 0.3 },
          },
          { value: f.importLinesPerSecond, ceiling: f.parseLinesPerSecond },
        ),
      ];
    },
  };
}
