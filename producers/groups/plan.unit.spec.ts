import { describe, expect, it } from 'vitest';
import type { AssignmentLine, RejectedLine } from './assignment-file.ts';
import { membershipKey, planChunk, winningLinesOf, type ChunkState } from './plan.ts';

const line = (lineNumber: number, memberId: string, groupId: string, action: 'add' | 'remove'): AssignmentLine => ({
  lineNumber,
  memberId,
  groupId,
  action,
});

const knownGroups = new Set(['g-1', 'g-2']);

/** The state the importer gives a chunk: the whole file's winning lines, and the read model's memberships. */
function stateOf(file: readonly AssignmentLine[], more: Partial<ChunkState> = {}): ChunkState {
  return {
    knownGroups,
    ...winningLinesOf(file, knownGroups),
    memberships: new Set([membershipKey('m-in', 'g-1')]),
    changedByJob: new Set(),
    knownMembers: new Set(['m-in', 'm-known']),
    enrolledByJob: new Set(),
    ...more,
  };
}

const plan = (lines: AssignmentLine[], more: Partial<ChunkState> = {}, rejected: RejectedLine[] = []) =>
  planChunk(lines, rejected, stateOf(lines, more));

describe('planning a chunk against current memberships', () => {
  it('when lines add and remove, then only real changes are planned and no-ops are skipped with why', () => {
    const planned = plan([
      line(2, 'm-in', 'g-1', 'add'),
      line(3, 'm-in', 'g-2', 'remove'),
      line(4, 'm-known', 'g-1', 'add'),
    ]);
    expect(planned.changes).toEqual([{ ...line(4, 'm-known', 'g-1', 'add'), applied: false, enroll: null }]);
    expect(planned.skipped).toEqual([
      { lineNumber: 2, memberId: 'm-in', groupId: 'g-1', reason: 'already_in_group', byLine: null },
      { lineNumber: 3, memberId: 'm-in', groupId: 'g-2', reason: 'not_in_group', byLine: null },
    ]);
  });

  it('when a line names a group the organization lacks, then that line is rejected and the rest go on', () => {
    const planned = plan([line(2, 'm-in', 'g-9', 'add'), line(3, 'm-in', 'g-2', 'add')]);
    expect(planned.rejected).toEqual([
      { lineNumber: 2, memberId: 'm-in', column: 'group_id', reason: 'unknown group g-9' },
    ]);
    expect(planned.changes.map((c) => c.lineNumber)).toEqual([3]);
  });

  it('when lines for one member and group contradict or repeat, then the last in the file wins and the others are reported', () => {
    const planned = plan([
      line(2, 'm-known', 'g-2', 'add'),
      line(3, 'm-known', 'g-2', 'remove'),
      line(4, 'm-known', 'g-2', 'add'),
      line(5, 'm-known', 'g-2', 'add'),
    ]);
    expect(planned.changes.map((c) => c.lineNumber)).toEqual([5]);
    expect(planned.skipped.map((s) => [s.lineNumber, s.reason, s.byLine])).toEqual([
      [2, 'duplicate', 5],
      [3, 'overridden', 5],
      [4, 'duplicate', 5],
    ]);
  });

  it('when the winning line is in a later chunk, then this chunk skips its lines naming it', () => {
    const file = [line(2, 'm-known', 'g-2', 'add'), line(3, 'm-known', 'g-2', 'remove')];
    const first = planChunk([file[0]!], [], stateOf(file));
    expect(first).toMatchObject({ changes: [], skipped: [{ lineNumber: 2, reason: 'overridden', byLine: 3 }] });
  });

  it('when a member nobody knows is added to two groups, then they are enrolled once, before their first add in the file', () => {
    const file = [line(2, 'm-new', 'g-1', 'add'), line(3, 'm-new', 'g-2', 'add'), line(4, 'm-other', 'g-1', 'remove')];
    const planned = plan(file);
    expect(planned.changes.map((c) => [c.lineNumber, c.enroll])).toEqual([
      [2, { applied: false }],
      [3, null],
    ]);
    expect(planned.skipped).toMatchObject([{ lineNumber: 4, reason: 'not_in_group' }]);
  });

  it('when a rerun finds changes and an enrollment this job made already, then it plans them again as applied, so the summary is the same', () => {
    const file = [line(2, 'm-new', 'g-1', 'add'), line(3, 'm-in', 'g-1', 'remove'), line(4, 'm-known', 'g-2', 'add')];
    const rerun = plan(file, {
      memberships: new Set([membershipKey('m-new', 'g-1')]),
      changedByJob: new Set([membershipKey('m-new', 'g-1'), membershipKey('m-in', 'g-1')]),
      enrolledByJob: new Set(['m-new']),
    });
    expect(rerun.skipped).toEqual([]);
    expect(rerun.changes.map((c) => [c.lineNumber, c.applied, c.enroll])).toEqual([
      [2, true, { applied: true }],
      [3, true, null],
      [4, false, null],
    ]);
  });

  it("when the file's own rejected lines come in, then they are reported with the unknown groups in line order", () => {
    const bad = (lineNumber: number): RejectedLine => ({ lineNumber, memberId: null, column: null, reason: 'bad' });
    const planned = plan([line(3, 'm-in', 'g-9', 'add')], {}, [bad(2), bad(4)]);
    expect(planned.rejected.map((r) => r.lineNumber)).toEqual([2, 3, 4]);
  });
});
