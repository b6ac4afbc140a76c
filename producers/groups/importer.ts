import { assignmentJobOf, type AssignmentSummary } from '../../projections/groups/queries.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { ImportContext, ImportFile, ImportSummary, SliceImporter } from '../../slices/slice.ts';
import type { AssignmentLine } from './assignment-file.ts';
import { assignmentChunks } from './assignment-stream.ts';
import { changeChunks } from './change-chunks.ts';
import { KnownGroups } from './known-groups.ts';
import { unknownGroup } from './plan.ts';
import { assignmentSample } from './sample-file.ts';
import { AssignmentTally } from './tally.ts';
import type { SkippedLine } from './plan.ts';
import { WinningLines } from './winning-lines.ts';

export interface AssignmentImportOptions {
  /** Records planned and published together: the memory an import holds, whatever the file's size. */
  readonly chunkLines: number;
  /** Chunks whose events may be on their way to Kafka at once. */
  readonly chunksInFlight: number;
}

export const ASSIGNMENT_IMPORT_DEFAULTS: AssignmentImportOptions = { chunkLines: 5000, chunksInFlight: 4 };

/** Where a chunk of the file ended: the second pass plans the same chunks. */
interface ChunkEnd {
  /** The chunk's last line number (0 before the first line). */
  readonly through: number;
  readonly linesRead: number;
  readonly bytesRead: number;
}

/**
 * Imports one assignment file (seed 004) as a job of the platform's. The one pass over the file
 * reports its rejected lines and keeps its valid lines of known groups in Postgres (WinningLines);
 * Postgres then finds each member and group's winning line (the last in the file) against the
 * memberships read model, each member's first winning add, and counts the lines that change
 * nothing (with the first of them for the report). The second pass reads back only the winning
 * lines that change something, wave by wave of members (the next wave settles in Postgres while one
 * is published), each in file order, plans them chunk by chunk (the first pass's chunks) and
 * publishes their enrollments and membership changes, then GroupAssignmentCompleted with the
 * summary. Progress is the first pass's, as it reads the file. The importer holds a few chunks,
 * whatever the file's size. Event ids derive from the job and the line, and a rerun after a crash plans as the
 * first run did (see planChunk), so it finishes the job with the same summary; the projection
 * skips event ids it has applied. A job whose report is in the read model already publishes
 * nothing and answers that report.
 */
export async function importAssignments(
  file: ImportFile,
  context: ImportContext,
  options: AssignmentImportOptions = ASSIGNMENT_IMPORT_DEFAULTS,
): Promise<ImportSummary> {
  const projection = context.projections.memberships;
  if (!projection) throw new Error('the groups importer needs the memberships projection');
  const { pool, publisher } = context;
  const { organizationId, jobId } = file;
  const done = await assignmentJobOf(pool, organizationId, jobId, projection);
  if (done) return importSummaryOf(done.summary);

  const groups = new KnownGroups(pool, organizationId, projection);
  const fileLines = await WinningLines.open(pool);
  try {
    const tally = new AssignmentTally();
    const ends: ChunkEnd[] = [{ through: 0, linesRead: 0, bytesRead: 0 }];
    for await (const chunk of assignmentChunks(file.open(), options.chunkLines)) {
      const known = await groups.of(chunk.lines.map((line) => line.groupId));
      const valid: AssignmentLine[] = [];
      const rejected = [...chunk.rejected];
      for (const line of chunk.lines) {
        if (known.has(line.groupId)) valid.push(line);
        else rejected.push(unknownGroup(line));
      }
      // Into the file's one COPY at once, so Postgres takes the lines while the next ones are parsed.
      await fileLines.record(valid);
      rejected.sort((a, b) => a.lineNumber - b.lineNumber);
      for (const { lineNumber, column, reason } of rejected) context.reject({ lineNumber, column, reason });
      tally.reject(rejected);
      const through = Math.max(ends.at(-1)!.through, lastLineOf(chunk.lines), lastLineOf(chunk.rejected));
      ends.push({ through, linesRead: chunk.linesRead, bytesRead: chunk.bytesRead });
      context.progress(chunk.linesRead, chunk.bytesRead);
    }
    await fileLines.settle(organizationId, jobId, projection);

    const metadata = context.eventMetadata;
    const inFlight: Promise<unknown>[] = [];
    // The read model was read once by settle, so a chunk's lines do not depend on the events before them: they run ahead.
    const lookUp = ([wave, index]: ChunkOfWave) => fileLines.upTo(wave, ends[index]!.through);
    const planned = ahead(chunksOfWaves(fileLines.waveCount, ends.length), lookUp, options.chunksInFlight);
    let firstSkipped: Promise<SkippedLine[]> | undefined;
    for await (const [, changes] of planned) {
      // Postgres planned them as planChunk would (a spec checks the two agree) and counted the other lines.
      const plan = { changes, skipped: [], rejected: [] };
      tally.add(plan);
      // Asked once the cursor's first rows are in, so that Postgres finds them while the chunks go to Kafka.
      if (!firstSkipped) {
        firstSkipped = fileLines.firstSkipped();
        // Awaited after the loop; a failure before then must not count as unhandled.
        firstSkipped.catch(() => {});
      }
      // One record per bucket of members, not one per change: per-change records capped the import far below reading the file.
      const events: TributaryEvent[] = changeChunks(plan.changes).map(({ bucket, changes }) => ({
        type: 'GroupMembershipsChanged',
        metadata: metadata(`changes-${changes[0]!.lineNumber}-${changes.length}`),
        payload: { bucket, assignmentId: jobId, changes },
      }));
      const sent = publisher.publishBatch(events);
      // Awaited below in order; until then a failure must not count as unhandled.
      sent.catch(() => {});
      inFlight.push(sent);
      if (inFlight.length >= options.chunksInFlight) await inFlight.shift();
    }
    const first = await (firstSkipped ?? fileLines.firstSkipped());
    tally.skip(fileLines.skippedCount(), first);
    await Promise.all(inFlight);
    const completed = tally.completed(jobId, file.fileName);
    await publisher.publish({ type: 'GroupAssignmentCompleted', metadata: metadata('completed'), payload: completed });
    return importSummaryOf(completed);
  } finally {
    await fileLines.close();
  }
}

const lastLineOf = (lines: readonly { lineNumber: number }[]) =>
  lines.reduce((last, line) => Math.max(last, line.lineNumber), 0);

/** A wave of WinningLines and a chunk of the first pass, by its index in the list of ends. */
type ChunkOfWave = readonly [wave: number, index: number];

/** Each wave's chunks 1 … count - 1 in file order, one wave after the other. */
async function* chunksOfWaves(waves: number, count: number): AsyncGenerator<ChunkOfWave> {
  for (let wave = 0; wave < waves; wave += 1) for (let index = 1; index < count; index += 1) yield [wave, index];
}

/**
 * The items of `source` in order, each with the result of `work` on it, started as the item is
 * read and at most `depth` ahead of the consumer: the waits for Postgres overlap the reading.
 */
async function* ahead<T, R>(source: AsyncIterable<T>, work: (item: T) => Promise<R>, depth: number) {
  const queue: [T, Promise<R>][] = [];
  for await (const item of source) {
    const result = work(item);
    result.catch(() => {});
    queue.push([item, result]);
    if (queue.length >= depth) {
      const [first, pending] = queue.shift()!;
      yield [first, await pending] as const;
    }
  }
  for (const [item, pending] of queue) yield [item, await pending] as const;
}

/** The platform's summary of a job: read, accepted, rejected, then what the lines did. */
export function importSummaryOf(summary: Omit<AssignmentSummary, 'failures' | 'skipped'>): ImportSummary {
  const count = (name: string, value: number) => ({ name, value });
  return {
    counts: [
      count('read', summary.totalLines),
      count('accepted', summary.totalLines - summary.failed),
      count('rejected', summary.failed),
      count('added', summary.added),
      count('removed', summary.removed),
      count('enrolled', summary.enrolled),
      count('skipped', summary.unchanged),
    ],
  };
}

export const groupsImporter: SliceImporter = {
  kind: 'groups',
  doc: 'Group assignment files: member_id, group_id, action (add or remove), one change per line.',
  run: (file, context) => importAssignments(file, context),
  sample: (lines, seed) => assignmentSample(lines, seed),
};
