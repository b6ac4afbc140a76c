import type { AssignmentLine, RejectedLine } from './assignment-file.ts';

export type SkipReason = 'already_in_group' | 'not_in_group' | 'duplicate' | 'overridden';

export interface SkippedLine {
  readonly lineNumber: number;
  readonly memberId: string;
  readonly groupId: string;
  readonly reason: SkipReason;
  readonly byLine: number | null;
}

/** The line of the file that decides a member's membership of a group: the last valid one naming both. */
export interface WinningLine {
  readonly lineNumber: number;
  readonly action: 'add' | 'remove';
}

/** A change to make, from the line that decided it. */
export interface PlannedChange extends AssignmentLine {
  /** A run of this same job applied it already (the read model says so): count it, do not publish it again. */
  readonly applied: boolean;
  /** The member is enrolled partially just before this change (their first add in the file). */
  readonly enroll: null | { readonly applied: boolean };
}

/** What planning a chunk needs to know, for the members and groups the chunk names. */
export interface ChunkState {
  readonly knownGroups: ReadonlySet<string>;
  /** The file's winning line per `membershipKey` (valid lines of known groups, the whole file). */
  readonly winning: ReadonlyMap<string, WinningLine>;
  /** Each member's first winning add in the whole file. */
  readonly firstAdds: ReadonlyMap<string, number>;
  /** `membershipKey`s of the memberships in force now. */
  readonly memberships: ReadonlySet<string>;
  /** `membershipKey`s whose last change came from this very job: an earlier run of it applied their winning line. */
  readonly changedByJob: ReadonlySet<string>;
  /** Members group assignment knew before this job (enrolled by another, or in some group). */
  readonly knownMembers: ReadonlySet<string>;
  /** Members an earlier run of this job enrolled already. */
  readonly enrolledByJob: ReadonlySet<string>;
}

export interface ChunkPlan {
  /** In line order, each with the enrollment that goes before it. */
  readonly changes: PlannedChange[];
  readonly skipped: SkippedLine[];
  /** The chunk's rejected lines and its lines naming unknown groups. */
  readonly rejected: RejectedLine[];
}

/** A line naming a group the organization lacks, as the report shows it. */
export const unknownGroup = (line: AssignmentLine): RejectedLine => ({
  lineNumber: line.lineNumber,
  memberId: line.memberId,
  column: 'group_id',
  reason: `unknown group ${line.groupId}`,
});

export const membershipKey = (memberId: string, groupId: string) => `${memberId}\u0000${groupId}`;

/**
 * Plans a chunk of a file against current memberships (seed 004's "set of updates"). A line
 * naming a group the organization lacks is rejected. For each member and group the last line in
 * the file wins: an earlier line asking the opposite is skipped as `overridden`, one asking the
 * same as `duplicate`. The winning line is skipped when it changes nothing (adding a member
 * already in, removing one not in); otherwise it is a change. A member not known before the job
 * is enrolled before their first add in the file.
 *
 * A rerun after a crash plans as the first run did: a membership whose last change is this job's
 * is its winning line's change, already applied (counted again, not published again), and a member
 * this job enrolled was unknown before it. So the summary comes out the same.
 *
 * This is the rule as the tests state it. The importer runs it in Postgres for a whole file at
 * once (winning-lines.ts: the changes come back planned, the other lines counted), and a spec
 * checks that both plan the same file alike (importer.int.spec.ts).
 */
export function planChunk(
  lines: readonly AssignmentLine[],
  fileRejected: readonly RejectedLine[],
  state: ChunkState,
): ChunkPlan {
  const rejected = [...fileRejected];
  const skipped: SkippedLine[] = [];
  const changes: PlannedChange[] = [];
  for (const line of lines) {
    if (!state.knownGroups.has(line.groupId)) {
      rejected.push(unknownGroup(line));
      continue;
    }
    const key = membershipKey(line.memberId, line.groupId);
    const winner = state.winning.get(key);
    if (!winner) throw new Error(`line ${line.lineNumber} has no winning line: the first pass missed it`);
    if (winner.lineNumber !== line.lineNumber) {
      skipped.push(skippedLine(line, winner.action === line.action ? 'duplicate' : 'overridden', winner.lineNumber));
      continue;
    }
    const applied = state.changedByJob.has(key);
    const inGroup = state.memberships.has(key);
    if (!applied && line.action === 'add' && inGroup) skipped.push(skippedLine(line, 'already_in_group'));
    else if (!applied && line.action === 'remove' && !inGroup) skipped.push(skippedLine(line, 'not_in_group'));
    else {
      const enrolls =
        line.action === 'add' &&
        state.firstAdds.get(line.memberId) === line.lineNumber &&
        !state.knownMembers.has(line.memberId);
      changes.push({ ...line, applied, enroll: enrolls ? { applied: state.enrolledByJob.has(line.memberId) } : null });
    }
  }
  return { changes, skipped, rejected: rejected.sort((a, b) => a.lineNumber - b.lineNumber) };
}

const skippedLine = (line: AssignmentLine, reason: SkipReason, byLine: number | null = null): SkippedLine => ({
  lineNumber: line.lineNumber,
  memberId: line.memberId,
  groupId: line.groupId,
  reason,
  byLine,
});

/** The winning lines and first adds of lines held in memory (a whole small file, as the tests give one). */
export function winningLinesOf(
  lines: readonly AssignmentLine[],
  knownGroups: ReadonlySet<string>,
): { winning: Map<string, WinningLine>; firstAdds: Map<string, number> } {
  const winning = new Map<string, WinningLine>();
  for (const line of lines)
    if (knownGroups.has(line.groupId))
      winning.set(membershipKey(line.memberId, line.groupId), { lineNumber: line.lineNumber, action: line.action });
  const firstAdds = new Map<string, number>();
  for (const [key, line] of winning) {
    const memberId = key.split('\u0000')[0]!;
    if (line.action === 'add' && line.lineNumber < (firstAdds.get(memberId) ?? Infinity))
      firstAdds.set(memberId, line.lineNumber);
  }
  return { winning, firstAdds };
}
