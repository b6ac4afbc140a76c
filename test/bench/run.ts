/**
 * `npm run bench`: each figure of Tributary beside a ceiling measured in the same run on the same
 * stack (Kafka's own perf tools, raw COPY, csv-parse, DuckDB, the same server's /health/live), the
 * ratio as the headline, against the targets of issue 15 and of the slices. Writes
 * bench/results/<date>.json, bench/results/latest.md and bench/results/latest.svg.
 *
 *   npm run bench                                  # everything, ~15 min on 2 cores
 *   npm run bench -- publish consume               # only those measures
 *   npm run bench -- --repetitions=5 --replay-events=1000000
 *
 * Flags: --repetitions (3), --warm-ups (1), --events (publish and consume, 100000),
 * --projection-events (200000), --replay-events (200000), --clients (1000), --import-lines
 * (200000), --group-lines (1000000, the issue's size), --lake-rows (200000), --no-write (print only).
 */
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { loadConfig } from '../../infra/config/index.ts';
import { Stack } from '../../infra/stack/supervisor.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { measureConsume } from './consume.ts';
import { FANOUT_DEFAULTS, measureFanout } from './fanout.ts';
import { missedLines, type BenchOptions, type Figure, type Progress } from './harness.ts';
import { PUBLISH_DEFAULT_EVENTS, measurePublish } from './publish.ts';
import { PROJECTION_DEFAULT_EVENTS, REPLAY_DEFAULT_EVENTS, measureProjection, measureReplay } from './projection.ts';
import { machine, markdownTable, writeResults, type BenchRun } from './report.ts';
import { sliceMeasures } from './slices.ts';

const FLAGS = {
  repetitions: 3,
  'warm-ups': 1,
  events: PUBLISH_DEFAULT_EVENTS,
  'projection-events': PROJECTION_DEFAULT_EVENTS,
  'replay-events': REPLAY_DEFAULT_EVENTS,
  clients: FANOUT_DEFAULTS.clients,
  'import-lines': 200_000,
  'group-lines': 1_000_000,
  'lake-rows': 200_000,
} as const;
type Flags = { -readonly [K in keyof typeof FLAGS]: number } & { write: boolean };

function parseArguments(argv: readonly string[]): { flags: Flags; names: string[] } {
  const flags: Flags = { ...FLAGS, write: true };
  const names: string[] = [];
  for (const arg of argv) {
    if (arg === '--no-write') flags.write = false;
    else if (arg.startsWith('--')) {
      const [name, text] = arg.slice(2).split('=');
      if (!(name! in FLAGS))
        throw new Error(
          `unknown flag ${arg}: ${Object.keys(FLAGS)
            .map((f) => `--${f}`)
            .join(', ')}, --no-write`,
        );
      const value = Number(text);
      if (!Number.isInteger(value) || value < (name === 'warm-ups' ? 0 : 1))
        throw new Error(`${arg}: --${name} takes a whole number${name === 'warm-ups' ? '' : ' above 0'}`);
      flags[name as keyof typeof FLAGS] = value;
    } else names.push(arg);
  }
  return { flags, names };
}

const { flags, names } = parseArguments(process.argv.slice(2));
const options: BenchOptions = { repetitions: flags.repetitions, warmUps: flags['warm-ups'] };
const { config } = await loadConfig();
await new Stack(config.stack).up((line) => process.stderr.write(`[stack] ${line}\n`));
const backbone = await isolatedBackbone({ partitions: 3 });
const runStarted = performance.now();

/** Progress on stderr: each line with the measure and the run's clock; indented lines at most every 2 s. */
function progressOf(name: string): Progress {
  let last = 0;
  return (line) => {
    if (line.startsWith('  ') && performance.now() - last < 2000) return;
    last = performance.now();
    const clock = new Date(performance.now() - runStarted).toISOString().slice(14, 19);
    process.stderr.write(`[${clock}] ${name}: ${line}\n`);
  };
}

async function withOwnTopics<T>(work: (own: Backbone) => Promise<T>): Promise<T> {
  const own = await isolatedBackbone({ partitions: 3 });
  try {
    return await work(own);
  } finally {
    await own.close();
  }
}

const MEASURES: Record<string, (progress: Progress) => Promise<Figure[]>> = {
  publish: (progress) => measurePublish(backbone, { ...options, events: flags.events }, progress),
  consume: (progress) => measureConsume(backbone, { ...options, events: flags.events }, progress),
  // Their own topics: a projection reads its topic from offset zero, and must find only its events there.
  projection: (progress) =>
    withOwnTopics((own) => measureProjection(own, { ...options, events: flags['projection-events'] }, progress)),
  replay: async (progress) => [
    await withOwnTopics((own) =>
      measureReplay(own, { ...options, repetitions: 1, events: flags['replay-events'] }, progress),
    ),
  ],
  fanout: (progress) => measureFanout(backbone, { ...FANOUT_DEFAULTS, clients: flags.clients }, progress),
  ...sliceMeasures(backbone, {
    importLines: flags['import-lines'],
    groupLines: flags['group-lines'],
    lakeRows: flags['lake-rows'],
  }),
};

const unknown = names.filter((name) => !(name in MEASURES));
if (unknown.length > 0)
  throw new Error(`unknown measure ${unknown.join(', ')}: ${Object.keys(MEASURES).join(', ')}, or none for all`);
const chosen = names.length > 0 ? names : Object.keys(MEASURES);
const figures: Figure[] = [];
const failed: { measure: string; error: string }[] = [];
const startedAt = new Date().toISOString();
const host = machine();
for (const [index, name] of chosen.entries()) {
  const progress = progressOf(name);
  progress(`[${index + 1}/${chosen.length}] started`);
  try {
    const measured = await MEASURES[name]!(progress);
    figures.push(...measured);
    for (const f of measured)
      progress(
        `${f.value} ${f.unit}${f.ratio === null ? '' : `, ratio ${f.ratio}`}${f.met === false ? ' (target missed)' : ''}`,
      );
  } catch (error) {
    // One measure failing must not lose the others' figures: it is reported as failed.
    progress(`FAILED: ${(error as Error).stack ?? error}`);
    failed.push({ measure: name, error: (error as Error).message });
  }
}
await backbone.close();

const run: BenchRun = {
  startedAt,
  seconds: Math.round((performance.now() - runStarted) / 1000),
  machine: { ...host, loadAverage: { ...host.loadAverage, end: Math.round(loadavg()[0]! * 100) / 100 } },
  options: { ...options, ...flags, measures: chosen },
  measures: figures,
  failed,
};
process.stdout.write(`\n${markdownTable(run)}`);
if (flags.write) {
  const written = await writeResults(fileURLToPath(new URL('../../bench/results/', import.meta.url)), run);
  process.stdout.write(`\nwritten: ${written.join(', ')}\n`);
}
const missed = missedLines(figures);
if (missed.length > 0) process.stdout.write(`\n${missed.join('\n')}\n`);
process.exit(failed.length > 0 ? 1 : 0);
