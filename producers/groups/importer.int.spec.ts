import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../publisher.ts';
import { readToEnd } from '../../processors/runtime/read-to-end.ts';
import type { RunningProcessor } from '../../processors/runtime/runner.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { changesOf } from '../../projections/groups/changes-of.ts';
import { groupMemberships } from '../../projections/groups/projection.ts';
import { assignmentJobOf } from '../../projections/groups/queries.ts';
import { startProjection } from '../../projections/live.ts';
import { liveProcessorName, qualified, type Projection } from '../../projections/projection.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { groupCreated, memberAdded } from '../../test/support/groups-events.ts';
import { importContextOf, importFileOf } from '../../test/support/groups-import.ts';
import { untilCaughtUp } from '../../test/support/kafka-caught-up.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { isolatedProjection } from '../../test/support/projection-scenario.ts';
import { assignmentChunks } from './assignment-stream.ts';
import type { AssignmentLine, RejectedLine } from './assignment-file.ts';
import { importAssignments } from './importer.ts';
import { membershipKey, planChunk, winningLinesOf } from './plan.ts';
import { AssignmentTally } from './tally.ts';

let backbone: Backbone;
let memberships: Projection;
let running: RunningProcessor;
beforeAll(async () => {
  // The default partition count: the importer's process declares the same topics with it.
  backbone = await isolatedBackbone();
  memberships = isolatedProjection(groupMemberships, backbone);
  running = await startProjection(memberships, backbone.runtime());
});
afterAll(async () => {
  await running?.stop();
  await backbone?.close();
});

/**
 * 400 lines over 90 members and three groups, chunk after chunk: each member comes back every 90
 * lines with the next group, and to the same group 270 lines later, so repeats and contradictions
 * span chunks; every 37th line
 * names a group the organization lacks, and two lines are malformed.
 */
function assignmentFile(): string {
  const lines = ['member_id,group_id,action'];
  for (let i = 0; i < 400; i += 1) {
    const group = i % 37 === 0 ? 'g-unknown' : ['g-a', 'g-b', 'g-c'][(Math.floor(i / 90) + i) % 3];
    lines.push(`m-${i % 90},${group},${(i * 5) % 3 === 0 ? 'remove' : 'add'}`);
    if (i === 100) lines.push('m-x,g-a,add,extra');
    if (i === 250) lines.push('m-y,g-a');
  }
  return `${lines.join('\n')}\n`;
}

/** Three groups, and two memberships from before the file. */
async function organization(organizationId: string) {
  const options = { organizationId, actor: 'core-sync' };
  await backbone.publisher.publishBatch([
    ...['g-a', 'g-b', 'g-c'].map((g) => groupCreated(g, g.toUpperCase(), options)),
    memberAdded('m-1', 'g-a', undefined, options),
    memberAdded('m-2', 'g-b', undefined, options),
  ]);
}

const caughtUp = () => untilCaughtUp(backbone, liveProcessorName(memberships), backbone.topics['groups.events']);

async function membershipsOf(organizationId: string) {
  const { rows } = await backbone.pool.query(
    `select member_id, group_id, in_group from ${qualified(memberships, 'memberships')}
     where organization_id = $1 order by member_id, group_id`,
    [organizationId],
  );
  return rows;
}

function crashMidJob(organizationId: string, path: string, batches: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/support/groups-import-process.ts',
      backbone.suffix,
      memberships.name,
      organizationId,
      path,
      String(batches),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (_code, signal) => resolve({ signal, stderr })),
  );
}

describe('the groups importer', () => {
  it('when the process running a job is killed mid-job and the job runs again, then it finishes with no change applied twice and the summary of an uninterrupted run', async () => {
    const text = assignmentFile();
    const [reference, crashed] = ['org-import-reference', 'org-import-crashed'];
    await organization(reference);
    await organization(crashed);
    await caughtUp();
    const referenceFile = importFileOf(reference, text);
    const referenceContext = importContextOf(backbone, referenceFile, memberships);
    const expected = await importAssignments(referenceFile, referenceContext);

    const path = join(tmpdir(), `${uniqueName('assignments')}.csv`);
    writeFileSync(path, text);
    const died = await crashMidJob(crashed, path, 2);
    expect(died.signal, died.stderr).toBe('SIGKILL');
    await caughtUp();
    const file = importFileOf(crashed, text);
    const { rows: partial } = await backbone.pool.query(
      `select count(*)::int as n from ${qualified(memberships, 'memberships')} where assignment_id = $1`,
      [file.jobId],
    );
    expect(partial[0].n).toBeGreaterThan(0);
    expect(await assignmentJobOf(backbone.pool, crashed, file.jobId, memberships)).toBeUndefined();

    const context = importContextOf(backbone, file, memberships);
    const summary = await importAssignments(file, context);
    await caughtUp();

    expect(summary).toEqual(expected);
    expect(context.rejected).toEqual(referenceContext.rejected);
    const report = await assignmentJobOf(backbone.pool, crashed, file.jobId, memberships);
    const referenceReport = await assignmentJobOf(backbone.pool, reference, referenceFile.jobId, memberships);
    expect(report!.summary).toEqual(referenceReport!.summary);
    expect(await membershipsOf(crashed)).toEqual(await membershipsOf(reference));
    // Every change the job published (in its chunks) is one of its planned changes, under the id of its line.
    const records = await readToEnd(backbone.kafka, backbone.topics['groups.events'], uniqueName('read'));
    const chunks = records
      .filter((r) => r.headers[HEADERS.correlationId]?.toString() === file.jobId)
      .filter((r) => r.headers[HEADERS.type]?.toString() === 'GroupMembershipsChanged');
    const stood = (await Promise.all(chunks.map((r) => backbone.codec.decode(r.value)))).flatMap(changesOf);
    const changeIds = new Set(
      stood.filter((e) => /^Member(Added|Removed)/.test(e.type)).map((e) => e.metadata.eventId),
    );
    expect(changeIds.size).toBe(report!.summary.added + report!.summary.removed);
    const enrollmentIds = new Set(stood.filter((e) => e.type === 'MemberEnrolled').map((e) => e.metadata.eventId));
    expect(enrollmentIds.size).toBe(report!.summary.enrolled);
  });

  it('when a file repeats and contradicts itself across chunks, then its summary, first skipped lines and changes are those of planning the whole file at once', async () => {
    const organizationId = 'org-import-oracle';
    await organization(organizationId);
    await caughtUp();
    // Lines that contradict each other, whichever the file's own lines then make win.
    const text = assignmentFile().replace('\n', '\nm-0,g-a,add\nm-0,g-a,remove\nm-0,g-a,add\n');
    const file = importFileOf(organizationId, text);
    const published: TributaryEvent[] = [];
    const keeping = {
      ...backbone.publisher,
      publish: async (event: TributaryEvent) => {
        published.push(event);
        return backbone.publisher.publish(event);
      },
      publishBatch: async (events: TributaryEvent[]) => {
        published.push(...events);
        return backbone.publisher.publishBatch(events);
      },
    };
    // Small chunks, so the cursor's rows are handed out over many of them.
    await importAssignments(file, importContextOf(backbone, file, memberships, keeping), {
      chunkLines: 37,
      chunksInFlight: 2,
    });

    // The reference: the whole file planned in memory, against the two memberships from before it.
    const lines: AssignmentLine[] = [];
    const rejected: RejectedLine[] = [];
    for await (const chunk of assignmentChunks(file.open(), 1_000_000)) {
      lines.push(...chunk.lines);
      rejected.push(...chunk.rejected);
    }
    const knownGroups = new Set(['g-a', 'g-b', 'g-c']);
    const plan = planChunk(lines, rejected, {
      knownGroups,
      ...winningLinesOf(lines, knownGroups),
      memberships: new Set([membershipKey('m-1', 'g-a'), membershipKey('m-2', 'g-b')]),
      changedByJob: new Set(),
      knownMembers: new Set(['m-1', 'm-2']),
      enrolledByJob: new Set(),
    });
    const tally = new AssignmentTally();
    tally.add(plan);
    const expected = tally.completed(file.jobId, file.fileName);
    expect(expected.skipped).toHaveLength(100);
    // Every kind of skipped line is in the file, and the first hundred mix winners and lines overridden.
    expect(new Set(plan.skipped.map((s) => s.reason)).size).toBe(4);
    expect(new Set(expected.skipped.map((s) => s.byLine === null)).size).toBe(2);

    const completed = published.find((e) => e.type === 'GroupAssignmentCompleted');
    expect(completed?.payload).toEqual(expected);
    const changes = published
      .flatMap((e) => (e.type === 'GroupMembershipsChanged' ? e.payload.changes : []))
      .sort((a, b) => a.lineNumber - b.lineNumber);
    expect(changes).toEqual(
      plan.changes.map(({ lineNumber, memberId, groupId, action, enroll }) => ({
        lineNumber,
        memberId,
        groupId,
        action,
        enrolls: enroll !== null,
        changes: true,
      })),
    );
  });

  it('when the file stops coming after its lines began to go to Postgres, then the job fails, nothing is published and the next job runs', async () => {
    const organizationId = 'org-import-refused';
    await organization(organizationId);
    await caughtUp();
    // 3,000 lines, then the source fails: their COPY is open when the read throws.
    const unreadable = importFileOf(organizationId, 'member_id,group_id,action\n');
    const failing = {
      ...unreadable,
      open: () =>
        Readable.from(
          (async function* () {
            yield Buffer.from(`member_id,group_id,action\n${'m-1,g-a,add\n'.repeat(3000)}`);
            throw new Error('the object store stopped sending the file');
          })(),
        ),
    };
    const { counting, published } = countingPublisher(backbone.publisher);
    await expect(
      importAssignments(failing, importContextOf(backbone, failing, memberships, counting), {
        chunkLines: 100,
        chunksInFlight: 2,
      }),
    ).rejects.toThrow('the object store stopped sending the file');
    expect(published()).toBe(0);

    const file = importFileOf(organizationId, 'member_id,group_id,action\nm-7,g-a,add\n');
    const summary = await importAssignments(file, importContextOf(backbone, file, memberships));
    expect(summary.counts).toContainEqual({ name: 'added', value: 1 });
  });

  it('when a job has completed, then running it again publishes nothing and answers the same summary', async () => {
    const organizationId = 'org-import-again';
    await organization(organizationId);
    await caughtUp();
    const file = importFileOf(organizationId, 'member_id,group_id,action\nm-5,g-a,add\nm-1,g-a,add\n');
    const first = await importAssignments(file, importContextOf(backbone, file, memberships));
    await caughtUp();
    const { counting, published } = countingPublisher(backbone.publisher);

    const again = await importAssignments(file, importContextOf(backbone, file, memberships, counting));

    expect(again).toEqual(first);
    expect(published()).toBe(0);
    expect(first.counts).toEqual([
      { name: 'read', value: 2 },
      { name: 'accepted', value: 2 },
      { name: 'rejected', value: 0 },
      { name: 'added', value: 1 },
      { name: 'removed', value: 0 },
      { name: 'enrolled', value: 1 },
      { name: 'skipped', value: 1 },
    ]);
  });
});

/** The publisher, counting the events it is asked to publish. */
function countingPublisher(publisher: Backbone['publisher']) {
  let count = 0;
  const counting: Backbone['publisher'] = {
    ...publisher,
    publish: async (event) => {
      count += 1;
      return publisher.publish(event);
    },
    publishBatch: async (events) => {
      count += events.length;
      return publisher.publishBatch(events);
    },
  };
  return { counting, published: () => count };
}
