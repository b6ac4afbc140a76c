/**
 * One transactions import in a process of its own, as `tributary import transactions` runs it, so
 * its peak RSS is the import's and not the bench's (which holds the file writer, csv-parse's
 * ceiling run and its own modules). Spawned by imports.ts:
 *
 *   node --import tsx test/bench/import-child.ts <file> <topic suffix>
 *
 * The topics are the bench's own (created by the parent under that suffix). It prints one JSON
 * line on stdout: the job's milliseconds, the outcome's counts and the process's peak RSS.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { runImport } from '../../producers/imports/run-import.ts';
import { transactionsImporter } from '../../producers/transactions/importer.ts';
import { isolatedBackbone } from '../support/backbone.ts';
import { quietLogger, uniqueName } from '../support/platform.ts';

export interface ImportChildResult {
  readonly importMs: number;
  /** Peak resident set of this whole process, bytes (getrusage's ru_maxrss). */
  readonly maxRssBytes: number;
  /** RSS once the modules were loaded and Kafka, the registry and Postgres connected, before the job. */
  readonly readyRssBytes: number;
  /** CPU time of the job (user + system, every thread of the process): on a shared machine, steadier than its wall time. */
  readonly cpuMs: number;
  /** process.memoryUsage() at the highest RSS sampled (every 100 ms) during the job. */
  readonly atPeak: {
    readonly rssBytes: number;
    readonly heapTotalBytes: number;
    readonly heapUsedBytes: number;
    readonly externalBytes: number;
    readonly arrayBuffersBytes: number;
  };
  readonly counts: Readonly<Record<string, number>>;
  /**
   * CPU time of the job by thread (Linux, /proc/self/task; empty elsewhere), busiest first after the
   * main thread: the import's worker thread and V8's helper threads (the threads started for the job
   * are ended with it, so their last sample counts). On two free cores the wall time follows the
   * busiest thread, not the sum.
   */
  readonly threadCpuMs: readonly { readonly thread: 'main' | 'other'; readonly cpuMs: number }[];
}

/** CPU ticks (user + system) of each thread of this process, by thread id. */
function threadTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return ticks;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12])); // utime, stime (fields 14 and 15 of stat)
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ticks;
}

const [path, suffix] = process.argv.slice(2);
if (!path || !suffix) throw new Error('usage: import-child.ts <file> <topic suffix>');
const backbone = await isolatedBackbone({ partitions: 6, suffix });
const readyRssBytes = process.memoryUsage().rss;
// What the peak is made of: V8's heap (young and old spaces), or memory outside it (buffers).
const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const ticksBefore = threadTicks();
const ticksLast = new Map(ticksBefore);
const sampling = setInterval(() => {
  for (const [tid, ticks] of threadTicks()) ticksLast.set(tid, ticks);
  const usage = process.memoryUsage();
  if (usage.rss > peak.rss) Object.assign(peak, usage);
}, 100);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const outcome = await runImport(
  transactionsImporter,
  {
    source: 'cli',
    organizationId: uniqueName('bench-org'),
    requestedBy: 'bench',
    fileName: basename(path),
    objectKey: null,
    sizeBytes: statSync(path).size,
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
    onProgress: ({ linesRead }) => process.stderr.write(`${linesRead}\n`),
  },
);
const importMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampling);
for (const [tid, ticks] of threadTicks()) ticksLast.set(tid, ticks);
// Linux's clock ticks are 10 ms (USER_HZ 100).
const threadCpuMs = [...ticksLast]
  .map(([tid, ticks]) => ({
    thread: tid === String(process.pid) ? ('main' as const) : ('other' as const),
    cpuMs: (ticks - (ticksBefore.get(tid) ?? 0)) * 10,
  }))
  .filter((t) => t.cpuMs > 0)
  .sort((a, b) => (a.thread === 'main' ? -1 : b.thread === 'main' ? 1 : b.cpuMs - a.cpuMs));
await backbone.close();
if (outcome.kind !== 'completed') throw new Error(`the bench import did not complete: ${outcome.kind}`);
const result: ImportChildResult = {
  importMs,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  readyRssBytes,
  cpuMs: (cpu.user + cpu.system) / 1000,
  atPeak: {
    rssBytes: peak.rss,
    heapTotalBytes: peak.heapTotal,
    heapUsedBytes: peak.heapUsed,
    externalBytes: peak.external,
    arrayBuffersBytes: peak.arrayBuffers,
  },
  counts: Object.fromEntries(outcome.summary.counts.map((c) => [c.name, c.value])),
  threadCpuMs,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
