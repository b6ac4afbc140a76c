import { describe, expect, it } from 'vitest';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { Publisher } from '../publisher.ts';
import { assignmentIdOf, runAssignment, type AssignmentReads } from './assign.ts';
import { membershipKey } from './plan.ts';

const FILE = 'member_id,group_id,action\nm-new,g-1,add\nm-in,g-1,remove\nm-x,g-9,add\n';

/** Records what would be published; the real publisher is exercised by api/groups/assignments.int.spec.ts. */
function recordingPublisher(): Publisher & { batches: TributaryEvent[][] } {
  const batches: TributaryEvent[][] = [];
  return {
    batches,
    publish: () => Promise.reject(new Error('runAssignment publishes one batch')),
    async publishBatch(events) {
      batches.push([...events]);
      return events.map((_, offset) => ({ topic: 'groups.events', partition: 0, offset: String(offset) }));
    },
    close: async () => {},
  };
}

const reads = (jobDone = false): AssignmentReads => ({
  knownGroups: async () => new Set(['g-1']),
  currentState: async () => ({ memberships: new Set([membershipKey('m-in', 'g-1')]), knownMembers: new Set(['m-in']) }),
  jobDone: async () => jobDone,
});

const requester = (correlationId: string) => ({ organizationId: 'org-1', subject: 'hr-admin', correlationId });

describe('running an assignment file', () => {
  it('when it runs, then enrollments come first, then the changes, then the report, in one batch', async () => {
    const publisher = recordingPublisher();
    const outcome = await runAssignment(
      publisher,
      'test',
      requester('c-1'),
      { text: FILE, sourceFile: 'a.csv' },
      reads(),
    );
    expect(publisher.batches).toHaveLength(1);
    expect(publisher.batches[0]!.map((e) => e.type)).toEqual([
      'MemberEnrolled',
      'MemberAddedToGroup',
      'MemberRemovedFromGroup',
      'GroupAssignmentCompleted',
    ]);
    expect(outcome).toMatchObject({
      kind: 'published',
      completed: { totalLines: 3, added: 1, removed: 1, enrolled: 1, unchanged: 0, failed: 1, sourceFile: 'a.csv' },
    });
  });

  it('when the same file runs again before its report is read back, then the job and every event id are the same', async () => {
    const first = recordingPublisher();
    const second = recordingPublisher();
    await runAssignment(first, 'test', requester('c-1'), { text: FILE, sourceFile: null }, reads());
    await runAssignment(second, 'test', requester('c-2'), { text: FILE, sourceFile: null }, reads());
    const ids = (p: ReturnType<typeof recordingPublisher>) => p.batches[0]!.map((e) => e.metadata.eventId);
    expect(ids(second)).toEqual(ids(first));
    expect(new Set(ids(first)).size).toBe(4);
  });

  it('when the job is already done, then nothing is published', async () => {
    const publisher = recordingPublisher();
    const outcome = await runAssignment(
      publisher,
      'test',
      requester('c-1'),
      { text: FILE, sourceFile: null },
      reads(true),
    );
    expect(outcome).toEqual({ kind: 'done', assignmentId: assignmentIdOf('org-1', FILE) });
    expect(publisher.batches).toEqual([]);
  });

  it('when another organization sends the same bytes, or the file changes by one byte, then it is another job', () => {
    expect(assignmentIdOf('org-2', FILE)).not.toBe(assignmentIdOf('org-1', FILE));
    expect(assignmentIdOf('org-1', `${FILE}\n`)).not.toBe(assignmentIdOf('org-1', FILE));
  });
});
