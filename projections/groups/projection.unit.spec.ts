import { describe, expect, it } from 'vitest';
import type { GroupAssignmentCompleted } from '../../schemas/generated/events.ts';
import { metadata } from '../../test/support/events.ts';
import {
  groupCreated,
  groupRenamed,
  memberAdded,
  memberEnrolled,
  memberRemoved,
} from '../../test/support/groups-events.ts';
import { projectionSpec } from '../../test/support/projection-spec.ts';
import { groupMemberships } from './projection.ts';

const rowsOf = (params: readonly unknown[]) => JSON.parse(params[0] as string) as Record<string, unknown>[];

describe('group_memberships, events in, statements out', () => {
  it('when a batch creates, renames and changes memberships, then one statement per table is made', () => {
    projectionSpec(groupMemberships)
      .when([
        groupCreated('g-1', 'Finance'),
        groupRenamed('g-1', 'Finance team'),
        memberEnrolled('m-1'),
        memberAdded('m-1', 'g-1'),
        memberAdded('m-2', 'g-1'),
      ])
      .then((statements) => {
        expect(statements).toHaveLength(3);
        expect(statements.map((s) => s.sql.match(/insert into (\w+) \(organization_id/)?.[1])).toEqual([
          'groups',
          'members',
          'memberships',
        ]);
      });
  });

  it('when a group is created and renamed in one batch, then it is inserted once with the new name', () => {
    projectionSpec(groupMemberships)
      .when([groupCreated('g-1', 'Finance'), groupRenamed('g-1', 'Finance team')])
      .then(([groups]) => {
        expect(rowsOf(groups!.params)).toMatchObject([
          { group_id: 'g-1', name: 'Finance team', created: true, renamed: true },
        ]);
      });
  });

  it('when a member is added then removed from a group in one batch, then the removal is the last change of the key', () => {
    const at = new Date('2026-11-22T10:00:00Z');
    projectionSpec(groupMemberships)
      .when([memberAdded('m-1', 'g-1', undefined, { at }), memberRemoved('m-1', 'g-1', undefined, { at, actor: 'hr' })])
      .then(([memberships]) => {
        expect(memberships!.sql).toMatch(
          /distinct on \(organization_id, member_id, group_id\)[\s\S]*order by [^)]*seq desc/,
        );
        expect(rowsOf(memberships!.params).slice(-1)).toEqual([
          expect.objectContaining({
            member_id: 'm-1',
            group_id: 'g-1',
            in_group: false,
            changed_by: 'hr',
            added_at: null,
          }),
        ]);
      });
  });

  it('when a member is added twice in one batch, then the stay began at the first add', () => {
    const first = new Date('2026-11-22T10:00:00Z');
    projectionSpec(groupMemberships)
      .when([
        memberAdded('m-1', 'g-1', undefined, { at: first }),
        memberAdded('m-1', 'g-1', undefined, { at: new Date('2026-11-22T11:00:00Z') }),
      ])
      .then(([memberships]) => {
        expect(rowsOf(memberships!.params).at(-1)).toMatchObject({ in_group: true, added_at: first.toISOString() });
      });
  });

  it('when membership changes come in, then their event ids are recorded and an id applied before changes nothing', () => {
    const added = memberAdded('m-1', 'g-1');
    projectionSpec(groupMemberships)
      .when([added])
      .then(([memberships]) => {
        expect(memberships!.sql).toMatch(
          /insert into applied_changes[\s\S]*on conflict \(event_id\) do nothing returning event_id/,
        );
        expect(memberships!.sql).toMatch(/join fresh using \(event_id\)/);
        expect(rowsOf(memberships!.params)).toMatchObject([{ event_id: added.metadata.eventId }]);
      });
  });

  it('when a change comes again in the same batch after a later change, then the copy is dropped and the later change stands', () => {
    const added = memberAdded('m-1', 'g-1');
    projectionSpec(groupMemberships)
      .when([added, memberRemoved('m-1', 'g-1'), { ...added, metadata: { ...added.metadata, occurredAt: new Date() } }])
      .then(([memberships]) => {
        const rows = rowsOf(memberships!.params);
        expect(rows.map((row) => [row.event_id, row.in_group])).toEqual([
          [added.metadata.eventId, true],
          [expect.any(String), false],
        ]);
      });
  });

  it('when the same group id is used by two organizations, then each keeps its own row', () => {
    projectionSpec(groupMemberships)
      .when([groupCreated('g-1', 'Mine'), groupCreated('g-1', 'Theirs', { organizationId: 'org-other' })])
      .then(([groups]) => {
        expect(rowsOf(groups!.params).map((r) => [r.organization_id, r.name])).toEqual([
          ['org-test', 'Mine'],
          ['org-other', 'Theirs'],
        ]);
      });
  });

  it('when a member is enrolled twice, then the first enrollment stands', () => {
    projectionSpec(groupMemberships)
      .when([memberEnrolled('m-1', '00000000-0000-4000-8000-000000000001'), memberEnrolled('m-1')])
      .then(([members]) => {
        expect(rowsOf(members!.params)).toMatchObject([{ enrolled_via: '00000000-0000-4000-8000-000000000001' }]);
      });
  });

  it('when a job completes, then its report is kept once per organization and job', () => {
    const assignmentId = '6f1d8c1e-2b1a-4c11-9a55-1c2b3d4e5f60';
    const completed: GroupAssignmentCompleted = {
      type: 'GroupAssignmentCompleted',
      metadata: metadata(new Date('2026-11-22T10:00:00Z'), { actor: 'hr-admin' }),
      payload: {
        assignmentId,
        sourceFile: 'monday.csv',
        totalLines: 3,
        added: 1,
        removed: 0,
        enrolled: 1,
        unchanged: 1,
        failed: 1,
        failures: [{ lineNumber: 4, memberId: null, reason: 'action must be add or remove' }],
        skipped: [{ lineNumber: 2, memberId: 'm-1', groupId: 'g-1', reason: 'duplicate', byLine: 3 }],
      },
    };
    projectionSpec(groupMemberships)
      .when([completed])
      .then(([jobs]) => {
        expect(jobs!.sql).toMatch(
          /insert into assignment_jobs[\s\S]*on conflict \(organization_id, assignment_id\) do nothing/,
        );
        expect(rowsOf(jobs!.params)).toEqual([
          {
            organization_id: 'org-test',
            assignment_id: assignmentId,
            source_file: 'monday.csv',
            requested_by: 'hr-admin',
            completed_at: '2026-11-22T10:00:00.000Z',
            summary: expect.objectContaining({ totalLines: 3, failures: completed.payload.failures }),
          },
        ]);
      });
  });
});
