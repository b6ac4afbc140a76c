import type { AssignmentLine, RejectedLine } from './assignment-file.ts';

export type SkipReason = 'already_in_group' | 'not_in_group' | 'duplicate' | 'overridden';

export interface SkippedLine {
  readonly lineNumber: number;
  readonly memberId: string;
  readonly groupId: string;
  readonly reason: SkipReason;
  readonly byLine: number | null;
}

/** A change to make, from the line that decided it. */
export interface PlannedChange {
  readonly lineNumber: number;
  readonly memberId: string;
  readonly groupId: string;
  readonly action: 'add' | 'remove';
}

/** What the organization has now, for the members and groups the file names. */
export interface CurrentState {
  readonly knownGroups: ReadonlySet<string>;
  /** `${memberId}\u0000${groupId}` of every membership in force. */
  readonly memberships: ReadonlySet<string>;
  /** Members group assignment knows (enrolled, or in some group). */
  readonly knownMembers: ReadonlySet<string>;
}

export interface AssignmentPlan {
  /** Members to enroll partially before their first add, in file order. */
  readonly enroll: string[];
  readonly changes: PlannedChange[];
  readonly skipped: SkippedLine[];
  /** The file's rejected lines and the lines naming unknown groups, in line order. */
  readonly rejected: RejectedLine[];
}

export const membershipKey = (memberId: string, groupId: string) => `${memberId}\u0000${groupId}`;

/**
 * Plans a file against current memberships (seed 004's "set of updates"). A line naming a group
 * the organization lacks is rejected. For each member and group the last line wins (file order):
 * an earlier line asking the opposite is skipped as `overridden`, one asking the same as
 * `duplicate`. The winning line is skipped when it changes nothing (adding a member already in,
 * removing one not in); otherwise it is a change. Members not known yet are enrolled before their
 * first add.
 */
export function planAssignment(
  lines: readonly AssignmentLine[],
  fileRejected: readonly RejectedLine[],
  state: CurrentState,
): AssignmentPlan {
  const rejected = [...fileRejected];
  const lastLine = new Map<string, AssignmentLine>();
  const valid: AssignmentLine[] = [];
  for (const line of lines) {
    if (!state.knownGroups.has(line.groupId)) {
      rejected.push({
        lineNumber: line.lineNumber,
        memberId: line.memberId,
        reason: `unknown group ${line.groupId}`,
      });
      continue;
    }
    valid.push(line);
    lastLine.set(membershipKey(line.memberId, line.groupId), line);
  }
  const skipped: SkippedLine[] = [];
  const changes: PlannedChange[] = [];
  const enroll: string[] = [];
  const enrolling = new Set<string>();
  for (const line of valid) {
    const key = membershipKey(line.memberId, line.groupId);
    const last = lastLine.get(key)!;
    const skip = (reason: SkipReason, byLine: number | null = null) =>
      skipped.push({ lineNumber: line.lineNumber, memberId: line.memberId, groupId: line.groupId, reason, byLine });
    if (last !== line) {
      skip(last.action === line.action ? 'duplicate' : 'overridden', last.lineNumber);
      continue;
    }
    const inGroup = state.memberships.has(key);
    if (line.action === 'add' && inGroup) skip('already_in_group');
    else if (line.action === 'remove' && !inGroup) skip('not_in_group');
    else {
      if (line.action === 'add' && !state.knownMembers.has(line.memberId) && !enrolling.has(line.memberId)) {
        enrolling.add(line.memberId);
        enroll.push(line.memberId);
      }
      changes.push(line);
    }
  }
  return {
    enroll,
    changes,
    skipped,
    rejected: rejected.sort((a, b) => a.lineNumber - b.lineNumber),
  };
}
