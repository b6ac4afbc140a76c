/**
 * The transactions import's figures for `npm run bench`, or on its own:
 *
 *   node --import tsx test/bench/imports.ts                  # 1 000 000 lines (about 60 MB)
 *   node --import tsx test/bench/imports.ts --lines 17000000 # about 1 GB
 *
 * Ceiling: reading and parsing the same file with csv-parse, no validation, no publish. Tributary:
 * the whole job as `tributary import` runs it (hash, sniff, parse, validate, publish with acks=all,
 * report, job events), in a child process of its own (import-child.ts), whose peak RSS is the
 * import's alone: sampled in this process it also counted the bench's own 180 to 280 MiB.
 *
 * `--cpu-prof-dir <dir>` writes a CPU profile of the import process alone there.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse';
import { loadConfig } from '../../infra/config/index.ts';
import { Stack } from '../../infra/stack/supervisor.ts';
import { transactionsSample } from '../../producers/transactions/sample-file.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import type { ImportChildResult } from './import-child.ts';

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
  options: { readonly cpuProfileDir?: string } = {},
): Promise<ImportFigures> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-import-bench-'));
  const path = join(folder, 'transactions.csv');
  try {
    progress(`writing ${lines.toLocaleString('en')} lines`);
    await pipeline(transactionsSample(lines, { seed: Date.now() % 100_000 }), createWriteStream(path));
    const bytes = statSync(path).size;

    progress('ceiling: csv-parse alone');
    const parseStarted = performance.now();
    let records = 0;
    for await (const _record of createReadStream(path).pipe(parse())) records += 1;
    const parseMs = performance.now() - parseStarted;

    progress('Tributary: the import job, in a process of its own');
    const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
    const child = await importInChild(path, backbone.suffix, nodeFlags, (linesRead) =>
      progress(`  ${linesRead.toLocaleString('en')} / ${lines.toLocaleString('en')} lines`),
    );
    const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
    const at = child.atPeak;
    progress(
      `at the highest RSS sampled, ${mib(at.rssBytes)}: V8 heap ${mib(at.heapTotalBytes)} (${mib(at.heapUsedBytes)} used), outside it ${mib(at.externalBytes)} (${mib(at.arrayBuffersBytes)} in buffers)`,
    );
    progress(
      `CPU time of the job: ${(child.cpuMs / 1000).toFixed(1)} s, ${((child.cpuMs * 1000) / lines).toFixed(1)} µs a line`,
    );
    const perLine = (ms: number) => `${((ms * 1000) / lines).toFixed(1)}`;
    const [main, ...others] = child.threadCpuMs;
    if (main)
      progress(
        `by thread, µs a line: main ${perLine(main.cpuMs)}, others ${others.map((t) => perLine(t.cpuMs)).join(', ')}`,
      );
    if (child.counts.read !== lines) throw new Error(`the import read ${child.counts.read} lines, expected ${lines}`);
    if (records !== lines + 1) throw new Error(`csv-parse read ${records} records, expected ${lines + 1}`);
    return {
      lines,
      bytes,
      parseMs,
      importMs: child.importMs,
      peakRssBytes: child.maxRssBytes,
      baselineRssBytes: child.readyRssBytes,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const CHILD = fileURLToPath(new URL('./import-child.ts', import.meta.url));

/** Runs the job in its own node process, telling its progress; its result is the last stdout line. */
async function importInChild(
  path: string,
  suffix: string,
  nodeFlags: readonly string[],
  progress: (linesRead: number) => void,
): Promise<ImportChildResult> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', CHILD, path, suffix], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const errors: string[] = [];
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    if (/^\d+$/.test(line)) progress(Number(line));
    else errors.push(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`the import process exited with ${code}: ${errors.slice(-20).join('\n')}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as ImportChildResult;
}

export function importTable(f: ImportFigures): string {
  const perSecond = (ms: number) => `${Math.round((f.lines * 1000) / ms).toLocaleString('en')} lines/s`;
  const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
  return [
    '| measure | ceiling (csv-parse alone, same file) | Tributary | ratio |',
    '| --- | --- | --- | --- |',
    `| import ${f.lines.toLocaleString('en')} transactions (${mib(f.bytes)}): validate, publish acks=all, report, job events | ${perSecond(f.parseMs)} | ${perSecond(f.importMs)}, peak RSS of its process ${mib(f.peakRssBytes)} (${mib(f.baselineRssBytes)} when connected, before the job) | ${(f.parseMs / f.importMs).toFixed(2)} |`,
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
  const profile = process.argv.indexOf('--cpu-prof-dir');
  const cpuProfileDir = profile > 0 ? process.argv[profile + 1] : undefined;
  const figures = await measureTransactionsImport(
    backbone,
    lines,
    (line) => {
      if (Date.now() - last < 2000 && line.startsWith('  ')) return;
      last = Date.now();
      process.stderr.write(`  import: ${line.trim()}\n`);
    },
    { cpuProfileDir },
  );
  await backbone.close();
  process.stdout.write(`\n${importTable(figures)}\n`);
}
