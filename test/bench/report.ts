/**
 * The results of one `npm run bench`: bench/results/<date>.json (the machine and every figure),
 * bench/results/latest.md (the table the README shows) and bench/results/latest.svg (the ratios
 * against their targets, as a bar chart). The chart is a small hand-built SVG: the libraries that
 * draw charts on a server (vega, chart.js with a canvas) pull in a renderer or native canvas
 * bindings for what is here a few rectangles.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { BenchOptions, Figure } from './harness.ts';
import { missedLines } from './harness.ts';

export interface Machine {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  /** The 1-minute load average when the run began and ended: how shared the machine was. */
  readonly loadAverage: { readonly start: number; readonly end?: number };
}

export interface BenchRun {
  readonly startedAt: string;
  readonly seconds: number;
  readonly machine: Machine;
  readonly options: BenchOptions & Record<string, unknown>;
  readonly measures: readonly Figure[];
  /** Measures that failed to run, with their error. */
  readonly failed: readonly { readonly measure: string; readonly error: string }[];
}

export function machine(): Machine {
  return {
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: { start: Math.round(loadavg()[0]! * 100) / 100 },
  };
}

const number = (n: number) => n.toLocaleString('en');

function targetText(f: Figure): string {
  if (!f.target) return '';
  return `${f.target.of === 'ratio' ? 'ratio ' : ''}${f.target.op === '>=' ? '≥' : '≤'} ${f.target.value}${f.target.of === 'value' ? ` ${f.unit}` : ''}`;
}

function metText(f: Figure): string {
  if (f.met === null) return '';
  return f.met ? 'met' : '**missed**';
}

const cell = (text: string) => text.replaceAll('|', '\\|');

export function markdownTable(run: BenchRun): string {
  const m = run.machine;
  const lines = [
    `Run of ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(run.seconds / 60)} min: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, load average ${m.loadAverage.start} at the start and ${m.loadAverage.end ?? '?'} at the end; median of ${run.options.repetitions} repetitions after ${run.options.warmUps} warm-up for the platform measures (replay: one run), one run for the slices' (their sizes under options in the JSON).`,
    '',
    '| measure | Tributary | ceiling (same run) | ratio | target | |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of run.measures) {
    const ceiling = f.ceiling ? `${number(f.ceiling.value)} ${f.ceiling.unit} (${f.ceiling.label})` : '';
    const ratio = f.ratio === null ? '' : f.ratio.toFixed(2);
    lines.push(
      `| ${cell(`**${f.id}**: ${f.label}`)} | ${number(f.value)} ${f.unit} | ${cell(ceiling)} | ${ratio} | ${targetText(f)} | ${metText(f)} |`,
    );
  }
  const missed = missedLines(run.measures);
  const failed = run.failed.map((f) => `measure failed: ${f.measure}: ${f.error}`);
  if (missed.length + failed.length > 0) lines.push('', ...[...missed, ...failed].map((line) => `- ${line}`));
  return `${lines.join('\n')}\n`;
}

const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Horizontal bars: each figure's ratio to its ceiling, a tick at its target, red where missed. */
export function chart(run: BenchRun): string {
  const rows = run.measures.filter((f) => f.ratio !== null);
  const labelWidth = 190;
  const plotWidth = 420;
  const rowHeight = 26;
  const top = 40;
  const height = top + rows.length * rowHeight + 40;
  const width = labelWidth + plotWidth + 70;
  const max = Math.max(
    1.2,
    ...rows.map((f) => f.ratio!),
    ...rows.map((f) => (f.target?.of === 'ratio' ? f.target.value : 0)),
  );
  const x = (ratio: number) => labelWidth + (Math.min(ratio, max) / max) * plotWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Tributary ÷ ceiling (same run), ${escape(run.startedAt.slice(0, 10))}, ${run.machine.cores} cores</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1, ...(max > 1.25 ? [max] : [])]) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + rows.length * rowHeight}" stroke="#ddd"/>`,
      `<text x="${x(tick)}" y="${top + rows.length * rowHeight + 14}" text-anchor="middle" fill="#555">${tick.toFixed(2)}</text>`,
    );
  }
  rows.forEach((f, i) => {
    const y = top + i * rowHeight;
    const colour = f.met === false ? '#d9534f' : f.met ? '#2e8b57' : '#7a8ca3';
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escape(f.id)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(1, x(f.ratio!) - labelWidth)}" height="${rowHeight - 8}" fill="${colour}"/>`,
      `<text x="${x(f.ratio!) + 4}" y="${y + 16}" fill="#333">${f.ratio!.toFixed(2)}</text>`,
    );
    if (f.target?.of === 'ratio')
      parts.push(
        `<line x1="${x(f.target.value)}" y1="${y + 1}" x2="${x(f.target.value)}" y2="${y + rowHeight - 1}" stroke="#000" stroke-width="2"/>`,
      );
  });
  parts.push(
    `<text x="10" y="${height - 8}" fill="#555">bar: ratio (green met, red missed, grey no target); black tick: target. Absolute figures are in the table.</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

/**
 * Writes the run's JSON, markdown table and chart; returns the paths written. The JSON and the
 * table go through Prettier, as the repository's other files do, so `npm run lint` passes after a run.
 */
export async function writeResults(directory: string, run: BenchRun): Promise<string[]> {
  mkdirSync(directory, { recursive: true });
  const formatted = async (path: string, text: string) =>
    format(text, { ...(await resolveConfig(path)), filepath: path });
  const json = join(directory, `${run.startedAt.slice(0, 10)}.json`);
  const table = join(directory, 'latest.md');
  const written = [
    [json, await formatted(json, JSON.stringify(run))],
    [table, await formatted(table, markdownTable(run))],
    [join(directory, 'latest.svg'), chart(run)],
  ] as const;
  for (const [path, text] of written) writeFileSync(path, text);
  const readme = join(dirname(dirname(directory.replace(/\/$/, ''))), 'README.md');
  if (existsSync(readme)) {
    const updated = withLatestTable(readFileSync(readme, 'utf8'), written[1][1]);
    if (updated !== undefined) {
      writeFileSync(readme, updated);
      return [...written.map(([path]) => path), readme];
    }
  }
  return written.map(([path]) => path);
}

export const LATEST_START = '<!-- bench:latest:start (written by npm run bench) -->';
export const LATEST_END = '<!-- bench:latest:end -->';

/** The README with the latest table between its markers, or undefined when it has none: a hand-kept copy goes stale. */
export function withLatestTable(readme: string, table: string): string | undefined {
  const start = readme.indexOf(LATEST_START);
  const end = readme.indexOf(LATEST_END);
  if (start < 0 || end < start) return undefined;
  return `${readme.slice(0, start + LATEST_START.length)}\n\n${table.trim()}\n\n${readme.slice(end)}`;
}
