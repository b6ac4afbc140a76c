import { createHash } from 'node:crypto';
import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { Position, Publisher } from '../publisher.ts';
import { readAssignmentFile } from './assignment-file.ts';
import { metadataOf, type Requester } from './manage-groups.ts';
import { planAssignment, type AssignmentPlan, type CurrentState } from './plan.ts';

/** What planning needs to read: the organization's groups, memberships and members, and jobs already done. */
export interface AssignmentReads {
  knownGroups(groupIds: readonly string[]): Promise<Set<string>>;
  currentState(memberIds: readonly string[]): Promise<Omit<CurrentState, 'knownGroups'>>;
  jobDone(assignmentId: string): Promise<boolean>;
}

export type AssignmentOutcome =
  | { readonly kind: 'done'; readonly assignmentId: string }
  | {
      readonly kind: 'published';
      readonly assignmentId: string;
      readonly positions: Position[];
      readonly completed: Extract<TributaryEvent, { type: 'GroupAssignmentCompleted' }>['payload'];
    };

/**
 * The job's id follows from the organization and the file's bytes, so the same file twice is the
 * same job: once its report is in the read model a second upload publishes nothing; before that
 * (a retry, a crash) it republishes the same events under the same derived ids.
 */
export function assignmentIdOf(organizationId: string, text: string): string {
  const digest = createHash('sha256').update(organizationId).update('\u0000').update(text).digest('hex');
  return derivedEventId(digest, 'group-assignment-job');
}

/**
 * Runs one assignment file (seed 004): read and validate it, plan it against current memberships,
 * then publish the partial enrollments first, the membership changes, and the report last, in one
 * batch (a member's events share a partition, so the enrollment comes before its first add).
 */
export async function runAssignment(
  publisher: Publisher,
  environment: string,
  requester: Requester,
  file: { readonly text: string; readonly sourceFile: string | null },
  reads: AssignmentReads,
): Promise<AssignmentOutcome> {
  const assignmentId = assignmentIdOf(requester.organizationId, file.text);
  const read = readAssignmentFile(file.text);
  if (await reads.jobDone(assignmentId)) return { kind: 'done', assignmentId };
  const [knownGroups, current] = await Promise.all([
    reads.knownGroups(read.lines.map((line) => line.groupId)),
    reads.currentState(read.lines.map((line) => line.memberId)),
  ]);
  const plan = planAssignment(read.lines, read.rejected, { knownGroups, ...current });
  const completed = summaryOf(assignmentId, file.sourceFile, read.totalLines, plan);
  const now = new Date();
  const meta = (purpose: string) => metadataOf(requester, environment, now, derivedEventId(assignmentId, purpose));
  const events: TributaryEvent[] = [
    ...plan.enroll.map((memberId): TributaryEvent => ({
      type: 'MemberEnrolled',
      metadata: meta(`enroll/${memberId}`),
      payload: { memberId, enrolledVia: assignmentId },
    })),
    ...plan.changes.map((change): TributaryEvent => ({
      type: change.action === 'add' ? 'MemberAddedToGroup' : 'MemberRemovedFromGroup',
      metadata: meta(`line-${change.lineNumber}`),
      payload: { memberId: change.memberId, groupId: change.groupId, assignmentId },
    })),
    { type: 'GroupAssignmentCompleted', metadata: meta('completed'), payload: completed },
  ];
  const positions = await publisher.publishBatch(events);
  return { kind: 'published', assignmentId, positions, completed };
}

function summaryOf(assignmentId: string, sourceFile: string | null, totalLines: number, plan: AssignmentPlan) {
  const added = plan.changes.filter((c) => c.action === 'add').length;
  return {
    assignmentId,
    sourceFile,
    totalLines,
    added,
    removed: plan.changes.length - added,
    enrolled: plan.enroll.length,
    unchanged: plan.skipped.length,
    failed: plan.rejected.length,
    failures: plan.rejected.map((r) => ({ lineNumber: r.lineNumber, memberId: r.memberId, reason: r.reason })),
    skipped: plan.skipped.map((s) => ({ ...s })),
  };
}
