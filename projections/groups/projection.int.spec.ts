import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import {
  groupCreated,
  groupRenamed,
  memberAdded,
  memberEnrolled,
  memberRemoved,
} from '../../test/support/groups-events.ts';
import { projectionScenario } from '../../test/support/projection-scenario.ts';
import { groupMemberships } from './projection.ts';
import { groupsOf, groupsOfMember, memberOf, membersOfGroup } from './queries.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone?.close());

describe('the group_memberships projection on Kafka and Postgres', () => {
  it('when groups are created and renamed and members move in and out over two batches, then the read model holds the latest state with who and when', async () => {
    const job = '6f1d8c1e-2b1a-4c11-9a55-1c2b3d4e5f60';
    const t = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));
    const scenario = projectionScenario(groupMemberships, backbone)
      .given([
        groupCreated('g-finance', 'Finance', { at: t(0) }),
        groupCreated('g-ops', 'Operations', { at: t(0) }),
        groupCreated('g-finance', 'Theirs', { at: t(0), organizationId: 'org-other' }),
        memberEnrolled('m-1', job, { at: t(1) }),
        memberAdded('m-1', 'g-finance', job, { at: t(1), actor: 'hr' }),
        memberAdded('m-1', 'g-ops', job, { at: t(1), actor: 'hr' }),
        memberAdded('m-2', 'g-finance', job, { at: t(1), actor: 'hr' }),
      ])
      .when([
        groupRenamed('g-ops', 'Ops', { at: t(2) }),
        groupCreated('g-ops', 'Duplicate creation', { at: t(2) }),
        groupRenamed('g-unknown', 'Nobody', { at: t(2) }),
        memberRemoved('m-1', 'g-ops', job, { at: t(3), actor: 'admin' }),
        memberAdded('m-2', 'g-finance', job, { at: t(3), actor: 'admin' }),
      ]);

    const groups = await scenario.run(
      'select organization_id, group_id, name from groups order by organization_id, group_id',
    );

    expect(groups).toEqual([
      { organization_id: 'org-other', group_id: 'g-finance', name: 'Theirs' },
      { organization_id: 'org-test', group_id: 'g-finance', name: 'Finance' },
      { organization_id: 'org-test', group_id: 'g-ops', name: 'Ops' },
    ]);
    const pool = backbone.pool;
    const projection = scenario.projection;
    expect((await groupsOf(pool, 'org-test', { limit: 1 }, projection)).next).toEqual(['Finance', 'g-finance']);
    expect(
      (await groupsOf(pool, 'org-test', { limit: 1, after: ['Finance', 'g-finance'] }, projection)).items,
    ).toMatchObject([{ groupId: 'g-ops', name: 'Ops' }]);
    const inFinance = await membersOfGroup(pool, 'org-test', 'g-finance', { limit: 10 }, projection);
    expect(inFinance.items).toEqual([
      expect.objectContaining({ memberId: 'm-1', addedAt: t(1), changedAt: t(1), changedBy: 'hr' }),
      // Added again while in: the stay still began at the first add, the change is the latest.
      expect.objectContaining({ memberId: 'm-2', addedAt: t(1), changedAt: t(3), changedBy: 'admin' }),
    ]);
    expect((await groupsOfMember(pool, 'org-test', 'm-1', { limit: 10 }, projection)).items).toMatchObject([
      { groupId: 'g-finance' },
    ]);
    expect(await memberOf(pool, 'org-test', 'm-1', projection)).toEqual({
      memberId: 'm-1',
      enrollment: 'partial',
      enrolledVia: job,
      enrolledAt: t(1),
    });
    expect(await memberOf(pool, 'org-test', 'm-2', projection)).toMatchObject({ enrollment: 'unknown' });
    expect(await memberOf(pool, 'org-other', 'm-1', projection)).toBeUndefined();
  });

  it('when a change is republished under its id after a later change by another job, then it is skipped and the later change stands', async () => {
    const crashed = '6f1d8c1e-2b1a-4c11-9a55-1c2b3d4e5f61';
    const added = memberAdded('m-1', 'g-1', crashed, { actor: 'import' });
    const scenario = projectionScenario(groupMemberships, backbone)
      .given([groupCreated('g-1', 'Finance'), added, memberRemoved('m-1', 'g-1', undefined, { actor: 'admin' })])
      .when([{ ...added, metadata: { ...added.metadata, occurredAt: new Date() } }]);

    const rows = await scenario.run("select in_group, changed_by from memberships where group_id = 'g-1'");

    expect(rows).toEqual([{ in_group: false, changed_by: 'admin' }]);
  });
});
