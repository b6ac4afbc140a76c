import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { memberAdded } from '../../test/support/groups-events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startGroupsFlow, type GroupsFlow } from '../../test/support/groups.ts';
import { encodePosition } from '../positions.ts';
import { connect, notificationsOf } from '../realtime/realtime.spec-support.ts';

const SCOPES = ['groups:write', 'groups:read', 'realtime:subscribe'];
const FILE = readFileSync(new URL('../../test/fixtures/groups/assignments.csv', import.meta.url), 'utf8');

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
  organizationId: string,
  method: 'GET' | 'POST',
  url: string,
  body?: { payload: string | object; contentType: string },
) {
  const response = await flow.app.inject({
    method,
    url,
    headers: {
      ...(await bearer(backbone, { organizationId, scopes: SCOPES, subject: 'hr-admin' })),
      ...(body ? { 'content-type': body.contentType } : {}),
    },
    ...(body ? { payload: body.payload } : {}),
  });
  const json = response.headers['content-type']?.toString().includes('json');
  return { status: response.statusCode, body: response.body && json ? response.json() : response.body };
}

const upload = (organizationId: string, text: string, query = '') =>
  call(organizationId, 'POST', `/v1/group-assignments${query}`, { payload: text, contentType: 'text/csv' });

/** The job once the background import has completed it and its summary is in the read model. */
const completed = (organizationId: string, assignmentId: string) =>
  eventually(async () => {
    const job = await call(organizationId, 'GET', `/v1/group-assignments/${assignmentId}`);
    expect(job).toMatchObject({ status: 200, body: { status: 'completed', summary: expect.any(Object) } });
    return job.body;
  });

/** An organization with tellers, savers and lenders; 100003 in savers and 100002 in tellers already. */
async function organizationWithGroups(organizationId: string) {
  for (const [groupId, name] of [
    ['tellers', 'Tellers'],
    ['savers', 'Savers'],
    ['lenders', 'Lenders'],
  ]) {
    const created = await call(organizationId, 'POST', '/v1/groups', {
      payload: { groupId, name },
      contentType: 'application/json',
    });
    expect((await call(organizationId, 'GET', `/v1/groups/${groupId}?after=${created.body.position}`)).status).toBe(
      200,
    );
  }
  const meta = { organizationId, actor: 'core-sync' };
  const written = await backbone.publisher.publishBatch([
    memberAdded('100003', 'savers', undefined, meta),
    memberAdded('100002', 'tellers', undefined, meta),
  ]);
  expect((await call(organizationId, 'GET', `/v1/members/100003/groups?after=${encodePosition(written)}`)).status).toBe(
    200,
  );
}

describe('POST /v1/group-assignments', () => {
  it('when a realistic file with adds, removes, unknown groups, new members, duplicates and contradictions comes in, then it runs as a job, the changes apply and the report says what happened to every line', async () => {
    const org = 'org-assign-1';
    await organizationWithGroups(org);

    const accepted = await upload(org, FILE, '?fileName=monday.csv');

    expect(accepted).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const { assignmentId, links } = accepted.body;
    expect(links).toEqual({
      self: `/v1/group-assignments/${assignmentId}`,
      report: `/v1/group-assignments/${assignmentId}/report`,
    });
    const job = await completed(org, assignmentId);
    expect(job).toMatchObject({
      assignmentId,
      sourceFile: 'monday.csv',
      requestedBy: 'hr-admin',
      attempts: 1,
      progress: { linesRead: 13, bytesRead: Buffer.byteLength(FILE) },
      failure: null,
    });
    expect(job.summary).toMatchObject({
      totalLines: 13,
      added: 5, // 100001, 100004, 100006 (last of three), 100007 (once), 100010
      removed: 1, // 100003 from savers
      enrolled: 5, // 100001, 100004, 100006, 100007, 100010 were not known
      unchanged: 4, // 100002 already in; 100006's first two lines; 100007's first line
      failed: 3, // unknown group, missing field, bad action
    });
    expect(job.summary.failures).toEqual([
      { lineNumber: 6, memberId: '100005', reason: 'unknown group no-such-group' },
      { lineNumber: 12, memberId: '100008', reason: '2 field(s); expected 3' },
      { lineNumber: 13, memberId: '100009', reason: 'action must be add or remove' },
    ]);
    expect(job.summary.skipped).toEqual([
      { lineNumber: 3, memberId: '100002', groupId: 'tellers', reason: 'already_in_group', byLine: null },
      { lineNumber: 7, memberId: '100006', groupId: 'tellers', reason: 'duplicate', byLine: 9 },
      { lineNumber: 8, memberId: '100006', groupId: 'tellers', reason: 'overridden', byLine: 9 },
      { lineNumber: 10, memberId: '100007', groupId: 'savers', reason: 'duplicate', byLine: 11 },
    ]);
    const report = await call(org, 'GET', links.report);
    expect(report.status).toBe(200);
    expect(String(report.body).trim().split(/\r?\n/)).toEqual([
      'line_number,column,reason',
      '6,group_id,unknown group no-such-group',
      '12,,2 field(s); expected 3',
      '13,action,action must be add or remove',
    ]);

    const tellers = await eventually(async () => {
      const page = await call(org, 'GET', '/v1/groups/tellers/members');
      expect(page.body.items).toHaveLength(3);
      return page;
    });
    expect(tellers.body.items.map((m: { memberId: string }) => m.memberId)).toEqual(['100001', '100002', '100006']);
    const savers = await call(org, 'GET', '/v1/groups/savers/members');
    expect(savers.body.items.map((m: { memberId: string }) => m.memberId)).toEqual(['100007', '100010']);
    const member = await call(org, 'GET', '/v1/members/100001/groups');
    expect(member.body).toMatchObject({
      member: { enrollment: 'partial', enrolledVia: assignmentId },
      items: [{ groupId: 'tellers', changedBy: 'hr-admin', assignmentId }],
    });
  });

  it('when the same file comes twice, then the second time is the same job, answered with its report, and changes nothing', async () => {
    const org = 'org-assign-2';
    await organizationWithGroups(org);
    const first = await upload(org, FILE);
    const job = await completed(org, first.body.assignmentId);
    const before = await call(org, 'GET', '/v1/groups/tellers/members');

    const second = await upload(org, FILE);

    expect(second).toMatchObject({ status: 200, body: { assignmentId: first.body.assignmentId, status: 'completed' } });
    expect(second.body.summary).toEqual(job.summary);
    const after = await call(org, 'GET', `/v1/group-assignments/${first.body.assignmentId}`);
    expect(after.body).toMatchObject({ attempts: 1, summary: job.summary });
    expect((await call(org, 'GET', '/v1/groups/tellers/members')).body).toEqual(before.body);
  });

  it('when the header is wrong, then the whole file is refused and nothing is published', async () => {
    const refused = await upload('org-assign-3', 'member,group,action\n1,g,add\n');
    expect(refused).toMatchObject({ status: 400, body: { code: 'wrong_columns' } });
  });

  it('when the body is JSON, then it is 415, when there is none 400; and the JSON routes still refuse CSV with 415', async () => {
    const json = await call('org-assign-3', 'POST', '/v1/group-assignments', {
      payload: { lines: [] },
      contentType: 'application/json',
    });
    expect(json).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    const csvToJsonRoute = await call('org-assign-3', 'POST', '/v1/groups', {
      payload: 'member_id,group_id,action\n',
      contentType: 'text/csv',
    });
    expect(csvToJsonRoute).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    const empty = await call('org-assign-3', 'POST', '/v1/group-assignments');
    expect(empty).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
  });

  it("when another organization asks for a job or its report, then it is 404, and its file cannot touch this organization's groups", async () => {
    const org = 'org-assign-4';
    await organizationWithGroups(org);
    const mine = await upload(org, 'member_id,group_id,action\n200001,tellers,add\n200002,nowhere,add\n');
    await completed(org, mine.body.assignmentId);
    const other = 'org-assign-other';
    expect((await call(other, 'GET', `/v1/group-assignments/${mine.body.assignmentId}`)).status).toBe(404);
    expect((await call(other, 'GET', `/v1/group-assignments/${mine.body.assignmentId}/report`)).status).toBe(404);
    expect((await call(org, 'GET', `/v1/group-assignments/${mine.body.assignmentId}/report`)).status).toBe(200);

    const theirs = await upload(other, 'member_id,group_id,action\n200001,tellers,remove\n');
    const job = await completed(other, theirs.body.assignmentId);
    expect(job.summary.failures).toEqual([{ lineNumber: 2, memberId: '200001', reason: 'unknown group tellers' }]);
    const tellers = await call(org, 'GET', '/v1/groups/tellers/members');
    expect(tellers.body.items.map((m: { memberId: string }) => m.memberId)).toContain('200001');
  });

  it('when a file changes memberships, then a dashboard subscribed to the group gets group_membership_changed for each change', async () => {
    const org = 'org-assign-5';
    await organizationWithGroups(org);
    const token = (await bearer(backbone, { organizationId: org, scopes: SCOPES })).authorization.slice(
      'Bearer '.length,
    );
    const client = await connect(flow.realtimeUrl, ['tributary.v1', `bearer.${token}`]);
    client.send({ type: 'subscribe', topics: ['group_membership_changed'], filters: { groupId: ['lenders'] } });
    await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));

    const accepted = await upload(
      org,
      'member_id,group_id,action\n300001,lenders,add\n300002,lenders,add\n300003,tellers,add\n',
    );
    expect(accepted.status).toBe(202);

    await client.waitFor(
      (messages) =>
        notificationsOf({ received: messages }).filter((n) => n.topic === 'group_membership_changed').length >= 2,
      30_000,
    );
    const members = notificationsOf(client).map((n) => (n.filters as Record<string, string>).memberId);
    expect(members.sort()).toEqual(['300001', '300002']);
    expect(notificationsOf(client).map((n) => (n.filters as Record<string, string>).change)).toEqual([
      'added',
      'added',
    ]);

    // A leave says so: the same topic, told apart by `change`.
    expect((await upload(org, 'member_id,group_id,action\n300001,lenders,remove\n')).status).toBe(202);
    await client.waitFor((messages) => notificationsOf({ received: messages }).length >= 3, 30_000);
    expect(notificationsOf(client)[2]!.filters).toEqual({ memberId: '300001', groupId: 'lenders', change: 'removed' });
    client.socket.close();
  });
});
