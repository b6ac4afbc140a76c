import { assignmentJobOf, assignmentStateOf, type AssignmentSummary } from '../../projections/groups/queries.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { ImportContext, ImportFile, ImportSummary, SliceImporter } from '../../slices/slice.ts';
import { assignmentChunks, type AssignmentChunk } from './assignment-stream.ts';
import { KnownGroups } from './known-groups.ts';
import { planChunk } from './plan.ts';
import { assignmentSample } from './sample-file.ts';
import { AssignmentTally } from './tally.ts';
import { WinningLines } from './winning-lines.ts';

export interface AssignmentImportOptions {
  /** Records planned and published together: the memory an import holds, whatever the file's size. */
  readonly chunkLines: number;
  /** Chunks whose events may be on their way to Kafka at once. */
  readonly chunksInFlight: number;
}

export const ASSIGNMENT_IMPORT_DEFAULTS: AssignmentImportOptions = { chunkLines: 5000, chunksInFlight: 4 };

/**
 * Imports one assignment file (seed 004) as a job of the platform's: a first pass records each
 * member and group's winning line (the last in the file), a second plans each chunk against the
 * memberships read model and publishes its enrollments and membership changes, then
 * GroupAssignmentCompleted with the summary. Event ids derive from the job and the line, and a
 * rerun after a crash plans as the first run did (see planChunk), so it finishes the job with the
 * same summary; the projection skips event ids it has applied. A job whose report is in the read
 * model already publishes nothing and answers that report.
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
  const winning = await WinningLines.open(pool);
  try {
    // A later line replaces an earlier one whatever order the writes land in, so they overlap the reading.
    const record = async (chunk: AssignmentChunk) => {
      const known = await groups.of(chunk.lines.map((line) => line.groupId));
      await winning.record(chunk.lines.filter((line) => known.has(line.groupId)));
    };
    for await (const _ of ahead(assignmentChunks(file.open(), options.chunkLines), record, options.chunksInFlight));
    await winning.recorded();

    const metadata = context.eventMetadata;
    const tally = new AssignmentTally();
    const inFlight: Promise<unknown>[] = [];
    // A chunk's reads do not depend on the events of the chunks before it (one winning line per key), so they run ahead.
    const lookUp = (chunk: AssignmentChunk) =>
      Promise.all([
        groups.of(chunk.lines.map((line) => line.groupId)),
        winning.of(chunk.lines),
        assignmentStateOf(
          pool,
          organizationId,
          jobId,
          chunk.lines.map((line) => line.memberId),
          projection,
        ),
      ]);
    const chunks = ahead(assignmentChunks(file.open(), options.chunkLines), lookUp, options.chunksInFlight);
    for await (const [chunk, [knownGroups, lines, state]] of chunks) {
      const plan = planChunk(chunk.lines, chunk.rejected, { knownGroups, ...lines, ...state });
      for (const { lineNumber, column, reason } of plan.rejected) context.reject({ lineNumber, column, reason });
      tally.add(plan);
      const events: TributaryEvent[] = [];
      for (const change of plan.changes) {
        const { memberId, groupId, lineNumber } = change;
        if (change.enroll && !change.enroll.applied)
          events.push({
            type: 'MemberEnrolled',
            metadata: metadata(`enroll/${memberId}`),
            payload: { memberId, enrolledVia: jobId },
          });
        if (!change.applied)
          events.push({
            type: change.action === 'add' ? 'MemberAddedToGroup' : 'MemberRemovedFromGroup',
            metadata: metadata(`line-${lineNumber}`),
            payload: { memberId, groupId, assignmentId: jobId },
          });
      }
      const { linesRead, bytesRead } = chunk;
      const sent = publisher.publishBatch(events).then(() => context.progress(linesRead, bytesRead));
      // Awaited below in order; until then a failure must not count as unhandled.
      sent.catch(() => {});
      inFlight.push(sent);
      if (inFlight.length >= options.chunksInFlight) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const completed = tally.completed(jobId, file.fileName);
    await publisher.publish({ type: 'GroupAssignmentCompleted', metadata: metadata('completed'), payload: completed });
    return importSummaryOf(completed);
  } finally {
    await winning.close();
  }
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
