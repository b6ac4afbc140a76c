/**
 * The groups importer's throughput (issue 12): a generated assignment file imported end to end
 * (one pass with csv-parse, its lines copied into Postgres, which settles the winning lines against
 * the memberships read model and hands back the changes, published to Kafka in chunks with
 * acks=all), as lines/s against reading and parsing the same file with csv-parse alone, in the
 * same run. Standalone:
 *
 *   node --import tsx test/bench/groups.ts            # 100 000 lines
 *   node --import tsx test/bench/groups.ts --million  # 1 000 000 lines
 *   node --import tsx test/bench/groups.ts --lines 250000
 *
 * `measureGroupsImport` is what `npm run bench` calls.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse';
import { loadConfig } from '../../infra/config/index.ts';
import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import { Stack } from '../../infra/stack/supervisor.ts';
import { ASSIGNMENT_IMPORT_DEFAULTS, importAssignments } from '../../producers/groups/importer.ts';
import { assignmentSample, SAMPLE_GROUPS } from '../../producers/groups/sample-file.ts';
import { sha256Of, importJobIdOf } from '../../producers/imports/job-id.ts';
import { groupMemberships } from '../../projections/groups/projection.ts';
import { startProjection } from '../../projections/live.ts';
import { liveProcessorName } from '../../projections/projection.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { groupCreated } from '../support/groups-events.ts';
import { importContextOf } from '../support/groups-import.ts';
import { untilCaughtUp } from '../support/kafka-caught-up.ts';
import { uniqueName } from '../support/platform.ts';
import { isolatedProjection } from '../support/projection-scenario.ts';

export const SAMPLE_GROUPS_BENCH_DEFAULT_LINES = 100_000;

export interface GroupsImportFigures {
  readonly lines: number;
  readonly bytes: number;
  readonly parseLinesPerSecond: number;
  readonly importLinesPerSecond: number;
  /** Kafka records: the importer's chunks (GroupMembershipsChanged) and its report. */
  readonly eventsPublished: number;
  /** The enrollments and membership changes the chunks carry (a change with its enrollment counts once). */
  readonly changesPublished: number;
  /** The same number of events, of the importer's types, published alone in batches of the importer's size: its bound. */
  readonly publishOnlyLinesPerSecond: number;
  readonly peakRssMb: number;
  /** The bench process's RSS just before the import (its own stack, the parse-only pass): the import's share is the difference. */
  readonly rssBeforeMb: number;
}

async function writeAssignmentFile(path: string, lines: number): Promise<void> {
  await pipeline(assignmentSample(lines), createWriteStream(path));
}

/** The ceiling: the same file read and parsed by csv-parse, every record counted, nothing else. */
async function parseOnly(path: string): Promise<number> {
  let records = 0;
  const parser = createReadStream(path).pipe(
    parse({ bom: true, relax_column_count: true, skip_records_with_error: true }),
  );
  for await (const _record of parser) records += 1;
  return records;
}

/**
 * What publishing alone costs: `records` chunks like the importer's (GroupMembershipsChanged), of
 * `perRecord` changes each (an enrollment and an add every other one), each with a derived id,
 * `perBatch` records a publish, four publishes in flight as the importer sends them. Milliseconds.
 */
async function publishOnly(
  backbone: Backbone,
  organizationId: string,
  records: number,
  perRecord: number,
  perBatch: number,
) {
  const job = randomUUID();
  const metadata = (purpose: string) => ({
    eventId: derivedEventId(job, purpose),
    occurredAt: new Date(),
    organizationId,
    environment: 'test',
    correlationId: job,
    causationId: null,
    actor: 'bench',
  });
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let first = 0; first < records; first += perBatch) {
    const events: TributaryEvent[] = [];
    for (let r = first; r < Math.min(records, first + perBatch); r += 1) {
      const changes = Array.from({ length: perRecord }, (_, c) => {
        const line = r * perRecord + c;
        return {
          lineNumber: line + 2,
          memberId: `m-${line >> 1}`,
          groupId: `g-${line % SAMPLE_GROUPS}`,
          action: 'add' as const,
          enrolls: line % 2 === 0,
          changes: true,
        };
      });
      events.push({
        type: 'GroupMembershipsChanged',
        metadata: metadata(`changes-${r}`),
        payload: { bucket: `bucket-${r % 64}`, assignmentId: job, changes },
      });
    }
    inFlight.push(backbone.publisher.publishBatch(events));
    if (inFlight.length >= ASSIGNMENT_IMPORT_DEFAULTS.chunksInFlight) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return performance.now() - started;
}

export async function measureGroupsImport(
  backbone: Backbone,
  lines: number,
  log: (line: string) => void = () => {},
): Promise<GroupsImportFigures> {
  const path = join(tmpdir(), `${uniqueName('groups-bench')}.csv`);
  await writeAssignmentFile(path, lines);
  const bytes = statSync(path).size;
  try {
    const organizationId = uniqueName('org-bench');
    const memberships = isolatedProjection(groupMemberships, backbone);
    // The projection applies the groups, then stops: the importer is measured alone on the machine.
    const projection = await startProjection(memberships, backbone.runtime());
    await backbone.publisher.publishBatch(
      Array.from({ length: SAMPLE_GROUPS }, (_, g) => groupCreated(`g-${g}`, `Group ${g}`, { organizationId })),
    );
    await untilCaughtUp(backbone, liveProcessorName(memberships), backbone.topics['groups.events']);
    await projection.stop();

    let started = performance.now();
    let cpu = process.cpuUsage();
    await parseOnly(path);
    const parseMs = performance.now() - started;
    log(
      `csv-parse alone: ${lines} lines in ${(parseMs / 1000).toFixed(1)} s, ${cpuSeconds(cpu)} s of this process's CPU`,
    );

    const file = {
      jobId: importJobIdOf(organizationId, 'groups', await sha256Of(createReadStream(path))),
      organizationId,
      requestedBy: 'bench',
      fileName: 'bench.csv',
      sizeBytes: bytes,
      open: () => createReadStream(path),
    };
    let eventsPublished = 0;
    let changesPublished = 0;
    const counting = {
      ...backbone.publisher,
      publishBatch: (events: Parameters<typeof backbone.publisher.publishBatch>[0]) => {
        eventsPublished += events.length;
        for (const event of events)
          if (event.type === 'GroupMembershipsChanged') changesPublished += event.payload.changes.length;
        return backbone.publisher.publishBatch(events);
      },
    };
    const context = importContextOf(backbone, file, memberships, counting);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      log(`importer: ${context.progressed.at(-1) ?? 0} / ${lines} lines`);
    }, 2000);
    started = performance.now();
    cpu = process.cpuUsage();
    try {
      const summary = await importAssignments(file, context);
      log(`summary: ${summary.counts.map((c) => `${c.name} ${c.value}`).join(', ')}`);
    } finally {
      clearInterval(sampler);
    }
    const importMs = performance.now() - started;
    // This process's CPU (Postgres's and Kafka's are not in it): on a loaded machine it moves less than the wall clock.
    const importCpu = cpuSeconds(cpu);
    log(
      `importer: ${lines} lines in ${(importMs / 1000).toFixed(1)} s, ${importCpu} s of this process's CPU, ${eventsPublished} events carrying ${changesPublished} changes`,
    );
    const chunks = Math.ceil(lines / ASSIGNMENT_IMPORT_DEFAULTS.chunkLines);
    const perRecord = Math.max(1, Math.round(changesPublished / Math.max(1, eventsPublished)));
    const publishMs = await publishOnly(
      backbone,
      organizationId,
      eventsPublished,
      perRecord,
      Math.ceil(eventsPublished / chunks),
    );
    log(`publisher alone: ${eventsPublished} events of ${perRecord} changes in ${(publishMs / 1000).toFixed(1)} s`);
    return {
      lines,
      bytes,
      parseLinesPerSecond: Math.round((lines * 1000) / parseMs),
      importLinesPerSecond: Math.round((lines * 1000) / importMs),
      eventsPublished,
      changesPublished,
      publishOnlyLinesPerSecond: Math.round((lines * 1000) / publishMs),
      peakRssMb: Math.round(peakRss / 2 ** 20),
      rssBeforeMb: Math.round(rssBefore / 2 ** 20),
    };
  } finally {
    unlinkSync(path);
  }
}

/** This process's CPU time (user and system) since `since`, in seconds. */
function cpuSeconds(since: NodeJS.CpuUsage): string {
  const { user, system } = process.cpuUsage(since);
  return ((user + system) / 1e6).toFixed(2);
}

/** The figures as the README's benchmark tables show them. */
export function groupsImportTable(f: GroupsImportFigures): string {
  return [
    '| measure | ceiling (csv-parse alone, same file) | its events through the publisher alone | Tributary (groups importer) | ratio |',
    '| --- | --- | --- | --- | --- |',
    `| group assignment file, ${f.lines} lines (${(f.bytes / 2 ** 20).toFixed(1)} MiB), ${f.eventsPublished} events published carrying ${f.changesPublished} changes, peak RSS ${f.peakRssMb} MiB (${f.rssBeforeMb} before the import) | ${f.parseLinesPerSecond} lines/s | ${f.publishOnlyLinesPerSecond} lines/s | ${f.importLinesPerSecond} lines/s | ${(f.importLinesPerSecond / f.parseLinesPerSecond).toFixed(2)} |`,
  ].join('\n');
}

function linesFromArguments(argv: readonly string[]): number {
  if (argv.includes('--million')) return 1_000_000;
  const at = argv.indexOf('--lines');
  if (at < 0) return SAMPLE_GROUPS_BENCH_DEFAULT_LINES;
  const lines = Number(argv[at + 1]);
  if (!Number.isInteger(lines) || lines < 1)
    throw new Error(`--lines takes a positive whole number, not ${argv[at + 1]}`);
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lines = linesFromArguments(process.argv.slice(2));
  const { config } = await loadConfig();
  await new Stack(config.stack).up((line) => process.stderr.write(`[stack] ${line}\n`));
  const backbone = await isolatedBackbone({ partitions: 3 });
  try {
    const figures = await measureGroupsImport(backbone, lines, (line) => process.stderr.write(`  groups: ${line}\n`));
    process.stdout.write(`\n${groupsImportTable(figures)}\n`);
  } finally {
    await backbone.close();
  }
}
