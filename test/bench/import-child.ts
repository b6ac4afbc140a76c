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
import { createReadStream, statSync } from 'node:fs';
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
}

const [path, suffix] = process.argv.slice(2);
if (!path || !suffix) throw new Error('usage: import-child.ts <file> <topic suffix>');
const backbone = await isolatedBackbone({ partitions: 6, suffix });
const readyRssBytes = process.memoryUsage().rss;
// What the peak is made of: V8's heap (young and old spaces), or memory outside it (buffers).
const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sampling = setInterval(() => {
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
};
process.stdout.write(`${JSON.stringify(result)}\n`);
