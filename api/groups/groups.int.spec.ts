import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { memberAdded, memberEnrolled, memberRemoved } from '../../test/support/groups-events.ts';
import { startGroupsFlow, type GroupsFlow } from '../../test/support/groups.ts';
import { encodePosition } from '../positions.ts';

const SCOPES = ['groups:write', 'groups:read'];
const ORG = 'org-groups';
const OTHER = 'org-groups-other';

let backbone: Backbone;
let flow: GroupsFlow;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  flow = await startGroupsFlow(backbone);
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

async function call(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: object,
  organizationId = ORG,
  scopes = SCOPES,
) {
  const response = await flow.app.inject({
    method,
    url,
    headers: await bearer(backbone, { organizationId, scopes, subject: 'admin-1' }),
    ...(payload ? { payload } : {}),
  });
  return { status: response.statusCode, body: response.body ? response.json() : undefined };
}

describe('groups: create, rename, list', () => {
  it('when a group is created and renamed, then reads after each position see the change', async () => {
    const created = await call('POST', '/v1/groups', { groupId: 'tellers', name: 'Tellers' });
    expect(created).toMatchObject({ status: 202, body: { groupId: 'tellers' } });

    const read = await call('GET', `/v1/groups/tellers?after=${created.body.position}`);
    expect(read).toMatchObject({ status: 200, body: { groupId: 'tellers', name: 'Tellers', createdBy: 'admin-1' } });

    const renamed = await call('PATCH', '/v1/groups/tellers', { name: 'Branch tellers' });
    expect(renamed.status).toBe(202);
    const after = await call('GET', `/v1/groups/tellers?after=${renamed.body.position}`);
    expect(after.body.name).toBe('Branch tellers');
  });

  it('when a group is created without an id, then it gets a UUID', async () => {
    const created = await call('POST', '/v1/groups', { name: 'Auditors' });
    expect(created.status).toBe(202);
    expect(created.body.groupId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a group id is taken, then creating it again is 409 group_exists', async () => {
    const first = await call('POST', '/v1/groups', { groupId: 'lenders', name: 'Lenders' });
    await call('GET', `/v1/groups/lenders?after=${first.body.position}`);
    const again = await call('POST', '/v1/groups', { groupId: 'lenders', name: 'Lenders again' });
    expect(again).toMatchObject({ status: 409, body: { code: 'group_exists' } });
  });

  it('when ten creations of one id race, then exactly one is 202 and the group has its name; the others are 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call('POST', '/v1/groups', { groupId: 'race', name: `Race ${i}` })),
    );

    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    const winner = answers.indexOf(accepted[0]!);
    const read = await call('GET', `/v1/groups/race?after=${accepted[0]!.body.position}`);
    expect(read.body.name).toBe(`Race ${winner}`);
  });

  it('when a GroupCreated for an existing group comes in through ingest, then neither the name nor updatedAt changes', async () => {
    const created = await call('POST', '/v1/groups', { groupId: 'steady', name: 'Steady' });
    const before = await call('GET', `/v1/groups/steady?after=${created.body.position}`);

    const repeat = await flow.app.inject({
      method: 'POST',
      url: '/v1/events/GroupCreated',
      headers: await bearer(backbone, { organizationId: ORG, scopes: ['events:publish'], subject: 'mallory' }),
      payload: { payload: { groupId: 'steady', name: 'Replaced?', createdBy: 'mallory' } },
    });

    expect(repeat.statusCode, repeat.body).toBe(202);
    const after = await call('GET', `/v1/groups/steady?after=${repeat.json().position}`);
    expect(after.body).toEqual(before.body);
  });

  it('when an unknown group is renamed, then it is 404 and nothing is published', async () => {
    expect(await call('PATCH', '/v1/groups/nope', { name: 'X' })).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
  });

  it('when the list is read a page at a time, then every group comes once, by name, and the last page has no cursor', async () => {
    const org = 'org-groups-paging';
    for (const [groupId, name] of [
      ['c', 'Charlie'],
      ['a', 'Alpha'],
      ['b', 'Bravo'],
    ]) {
      // Groups are keyed by id, so each may land in its own partition: wait for each.
      const { position } = (await call('POST', '/v1/groups', { groupId, name }, org)).body;
      expect((await call('GET', `/v1/groups/${groupId}?after=${position}`, undefined, org)).status).toBe(200);
    }
    const first = await call('GET', '/v1/groups?limit=2', undefined, org);
    expect(first.body.items.map((g: { name: string }) => g.name)).toEqual(['Alpha', 'Bravo']);
    const second = await call('GET', `/v1/groups?limit=2&cursor=${first.body.nextCursor}`, undefined, org);
    expect(second.body.items.map((g: { name: string }) => g.name)).toEqual(['Charlie']);
    expect(second.body.nextCursor).toBeUndefined();
    // A cursor pages the listing and organization that gave it, nothing else.
    for (const [url, organizationId] of [
      [`/v1/groups?limit=2&cursor=${first.body.nextCursor}`, 'org-groups-paging-other'],
      [`/v1/groups/a/members?cursor=${first.body.nextCursor}`, org],
    ] as const)
      expect(await call('GET', url, undefined, organizationId), url).toMatchObject({
        status: 400,
        body: { code: 'invalid_cursor' },
      });
  });

  it('when a cursor was not made by the API, then it is 400 invalid_cursor', async () => {
    expect(await call('GET', '/v1/groups?cursor=bm90LWEtY3Vyc29y')).toMatchObject({
      status: 400,
      body: { code: 'invalid_cursor' },
    });
  });
});

describe('memberships', () => {
  it('when members are added and removed, then a group lists its members and a member lists their groups, paged', async () => {
    const created = await call('POST', '/v1/groups', { groupId: 'savers', name: 'Savers' });
    await call('GET', `/v1/groups/savers?after=${created.body.position}`);
    const job = crypto.randomUUID();
    const meta = { organizationId: ORG, actor: 'hr-import' };
    const written = await backbone.publisher.publishBatch([
      memberEnrolled('m-100', job, meta),
      memberAdded('m-100', 'savers', job, meta),
      memberAdded('m-101', 'savers', job, meta),
      memberAdded('m-102', 'savers', job, meta),
      memberAdded('m-100', 'tellers', job, meta),
      memberRemoved('m-102', 'savers', job, meta),
    ]);
    const after = encodePosition(written);

    const page1 = await call('GET', `/v1/groups/savers/members?limit=1&after=${after}`);
    expect(page1).toMatchObject({
      status: 200,
      body: { groupId: 'savers', items: [{ memberId: 'm-100', changedBy: 'hr-import', assignmentId: job }] },
    });
    const page2 = await call('GET', `/v1/groups/savers/members?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((m: { memberId: string }) => m.memberId)).toEqual(['m-101']);
    expect(page2.body.nextCursor).toBeUndefined();

    const groups = await call('GET', `/v1/members/m-100/groups?after=${after}`);
    expect(groups).toMatchObject({
      status: 200,
      body: { member: { memberId: 'm-100', enrollment: 'partial', enrolledVia: job } },
    });
    expect(groups.body.items.map((m: { groupId: string }) => m.groupId)).toEqual(['savers', 'tellers']);
    expect((await call('GET', '/v1/members/m-101/groups')).body.member.enrollment).toBe('unknown');
  });
});

describe('another organization and missing scopes', () => {
  it("when another organization asks for this one's group, member or rename, then each is 404", async () => {
    const created = await call('POST', '/v1/groups', { groupId: 'private', name: 'Private' });
    await call('GET', `/v1/groups/private?after=${created.body.position}`);
    expect((await call('GET', '/v1/groups/private', undefined, OTHER)).status).toBe(404);
    expect((await call('GET', '/v1/groups/private/members', undefined, OTHER)).status).toBe(404);
    expect((await call('PATCH', '/v1/groups/private', { name: 'Mine now' }, OTHER)).status).toBe(404);
    expect((await call('GET', '/v1/members/m-100/groups', undefined, OTHER)).status).toBe(404);
    expect((await call('GET', '/v1/groups', undefined, OTHER)).body.items).toEqual([]);
  });

  it('when a token lacks groups:write, then creating a group is 403 missing_scope', async () => {
    expect(await call('POST', '/v1/groups', { name: 'X' }, ORG, ['groups:read'])).toMatchObject({
      status: 403,
      body: { code: 'missing_scope' },
    });
  });
});
