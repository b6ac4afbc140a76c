import { describe, expect, it } from 'vitest';
import type { AssignmentLine } from './assignment-file.ts';
import { membershipKey, planAssignment } from './plan.ts';

const line = (lineNumber: number, memberId: string, groupId: string, action: 'add' | 'remove'): AssignmentLine => ({
  lineNumber,
  memberId,
  groupId,
  action,
});

const state = {
  knownGroups: new Set(['g-1', 'g-2']),
  memberships: new Set([membershipKey('m-in', 'g-1')]),
  knownMembers: new Set(['m-in', 'm-known']),
};

describe('planning an assignment against current memberships', () => {
  it('when lines add and remove, then only real changes are planned and no-ops are skipped with why', () => {
    const plan = planAssignment(
      [line(2, 'm-in', 'g-1', 'add'), line(3, 'm-in', 'g-2', 'remove'), line(4, 'm-known', 'g-1', 'add')],
      [],
      state,
    );
    expect(plan.changes).toEqual([line(4, 'm-known', 'g-1', 'add')]);
    expect(plan.skipped).toEqual([
      { lineNumber: 2, memberId: 'm-in', groupId: 'g-1', reason: 'already_in_group', byLine: null },
      { lineNumber: 3, memberId: 'm-in', groupId: 'g-2', reason: 'not_in_group', byLine: null },
    ]);
    expect(plan.enroll).toEqual([]);
  });

  it('when a line names a group the organization lacks, then that line is rejected and the rest go on', () => {
    const plan = planAssignment([line(2, 'm-in', 'g-9', 'add'), line(3, 'm-in', 'g-2', 'add')], [], state);
    expect(plan.rejected).toEqual([{ lineNumber: 2, memberId: 'm-in', reason: 'unknown group g-9' }]);
    expect(plan.changes).toEqual([line(3, 'm-in', 'g-2', 'add')]);
  });

  it('when lines for one member and group contradict or repeat, then the last in the file wins and the others are reported', () => {
    const plan = planAssignment(
      [
        line(2, 'm-known', 'g-2', 'add'),
        line(3, 'm-known', 'g-2', 'remove'),
        line(4, 'm-known', 'g-2', 'add'),
        line(5, 'm-known', 'g-2', 'add'),
      ],
      [],
      state,
    );
    expect(plan.changes).toEqual([line(5, 'm-known', 'g-2', 'add')]);
    expect(plan.skipped.map((s) => [s.lineNumber, s.reason, s.byLine])).toEqual([
      [2, 'duplicate', 5],
      [3, 'overridden', 5],
      [4, 'duplicate', 5],
    ]);
  });

  it('when a member nobody knows is added to two groups, then they are enrolled once, before the adds', () => {
    const plan = planAssignment(
      [line(2, 'm-new', 'g-1', 'add'), line(3, 'm-new', 'g-2', 'add'), line(4, 'm-other', 'g-1', 'remove')],
      [],
      state,
    );
    expect(plan.enroll).toEqual(['m-new']);
    expect(plan.changes.map((c) => c.lineNumber)).toEqual([2, 3]);
    expect(plan.skipped).toMatchObject([{ lineNumber: 4, reason: 'not_in_group' }]);
  });

  it("when the file's own rejected lines come in, then they are reported with the unknown groups in line order", () => {
    const plan = planAssignment(
      [line(3, 'm-in', 'g-9', 'add')],
      [
        { lineNumber: 2, memberId: null, reason: 'bad' },
        { lineNumber: 4, memberId: null, reason: 'bad' },
      ],
      state,
    );
    expect(plan.rejected.map((r) => r.lineNumber)).toEqual([2, 3, 4]);
  });
});
