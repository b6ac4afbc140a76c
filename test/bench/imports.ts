/**
 * The transactions import's figures for `npm run bench`, or on its own:
 *
 *   node --import tsx test/bench/imports.ts                  # 1 000 000 lines (about 60 MB)
 *   node --import tsx test/bench/imports.ts --lines 17000000 # about 1 GB
 *
 * Ceiling: reading and parsing the same file with csv-parse, no validation, no publish. Tributary:
 * the whole job as `tributary import` runs it (hash, sniff, parse, validate, publish with acks=all,
 * report, job events), with the process's peak RSS sampled throughout.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse';
import { loadConfig } from '../../infra/config/index.ts';
import { Stack } from '../../infra/stack/supervisor.ts';
import { runImport } from '../../producers/imports/run-import.ts';
import { transactionsImporter } from '../../producers/transactions/importer.ts';
import { transactionsSample } from '../../producers/transactions/sample-file.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { quietLogger, uniqueName } from '../support/platform.ts';

export const IMPORT_BENCH_DEFAULT_LINES = 1_000_000;

export interface ImportFigures {
  readonly lines: number;
  readonly bytes: number;
  readonly parseMs: number;
  readonly importMs: number;
  readonly peakRssBytes: number;
  readonly baselineRssBytes: number;
}

export async function measureTransactionsImport(
  backbone: Backbone,
  lines: number,
  progress: (line: string) => void = () => undefined,
): Promise<ImportFigures> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-import-bench-'));
  const path = join(folder, 'transactions.csv');
  try {
    progress(`writing ${lines.toLocaleString('en')} lines`);
    await pipeline(transactionsSample(lines, { seed: Date.now() % 100_000 }), createWriteStream(path));
    const bytes = statSync(path).size;

    progress('ceiling: csv-parse alone');
    let parseStarted = performance.now();
    let records = 0;
    for await (const _record of createReadStream(path).pipe(parse())) records += 1;
    const parseMs = performance.now() - parseStarted;

    global.gc?.();
    const baselineRssBytes = process.memoryUsage().rss;
    let peakRssBytes = baselineRssBytes;
    const sampler = setInterval(() => {
      peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    }, 50);
    progress('Tributary: the import job');
    parseStarted = performance.now();
    const outcome = await runImport(
      transactionsImporter,
      {
        source: 'cli',
        organizationId: uniqueName('bench-org'),
        requestedBy: 'bench',
        fileName: 'transactions.csv',
        objectKey: null,
        sizeBytes: bytes,
        open: () => createReadStream(path),
      },
      {
        publisher: backbone.publisher,
        pool: backbone.pool,
        projections: {},
        config: backbone.config,
        logger: quietLogger(),
        findJob: async () => undefined,
        reportDestination: () => ({ kind: 'file', path: `${path}.rejected.csv` }),
        onProgress: ({ linesRead }) =>
          progress(`  ${linesRead.toLocaleString('en')} / ${lines.toLocaleString('en')} lines`),
      },
    );
    const importMs = performance.now() - parseStarted;
    clearInterval(sampler);
    if (outcome.kind !== 'completed') throw new Error(`the bench import did not complete: ${outcome.kind}`);
    if (records !== lines + 1) throw new Error(`csv-parse read ${records} records, expected ${lines + 1}`);
    return { lines, bytes, parseMs, importMs, peakRssBytes, baselineRssBytes };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export function importTable(f: ImportFigures): string {
  const perSecond = (ms: number) => `${Math.round((f.lines * 1000) / ms).toLocaleString('en')} lines/s`;
  const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
  return [
    '| measure | ceiling (csv-parse alone, same file) | Tributary | ratio |',
    '| --- | --- | --- | --- |',
    `| import ${f.lines.toLocaleString('en')} transactions (${mib(f.bytes)}): validate, publish acks=all, report, job events | ${perSecond(f.parseMs)} | ${perSecond(f.importMs)}, peak RSS ${mib(f.peakRssBytes)} (${mib(f.baselineRssBytes)} before it began) | ${(f.parseMs / f.importMs).toFixed(2)} |`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const index = process.argv.indexOf('--lines');
  const lines = index > 0 ? Number(process.argv[index + 1]) : IMPORT_BENCH_DEFAULT_LINES;
  if (!Number.isInteger(lines) || lines < 1) throw new Error('--lines takes a whole number');
  const { config } = await loadConfig();
  await new Stack(config.stack).up((line) => process.stderr.write(`[stack] ${line}\n`));
  const backbone = await isolatedBackbone({ partitions: 6 });
  let last = 0;
  const figures = await measureTransactionsImport(backbone, lines, (line) => {
    if (Date.now() - last < 2000 && line.startsWith('  ')) return;
    last = Date.now();
    process.stderr.write(`  import: ${line.trim()}\n`);
  });
  await backbone.close();
  process.stdout.write(`\n${importTable(figures)}\n`);
}
