import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TributaryEvent } from '../../../schemas/generated/events.ts';
import { bearer, type testApp } from '../api.ts';
import type { Backbone } from '../backbone.ts';
import { metadata } from '../events.ts';
import { scopesOf } from '../../../slices/index.ts';

/** An organization with data of every kind, and the ids of that data by the path parameter that names it. */
export interface Seeded {
  readonly organizationId: string;
  readonly headers: { authorization: string };
  /** By path parameter name (`threadId`, `accountId`, ...): an id of this organization's. */
  readonly ids: Readonly<Record<string, string>>;
}

type App = Awaited<ReturnType<typeof testApp>>;

/**
 * Gives an organization one of everything, through the front door where there is one (a thread
 * with a message, an upload URL, a group, a cleansing rule, events over HTTP) and as the importers
 * publish them where the path is a background job (an import of each kind).
 */
export async function seedOrganization(app: App, backbone: Backbone, organizationId: string): Promise<Seeded> {
  const headers = await bearer(backbone, {
    organizationId,
    subject: 'alice',
    scopes: scopesOf().map((scope) => scope.name),
  });
  const call = async (method: 'POST' | 'PUT', url: string, payload: object) => {
    const response = await app.inject({ method, url, headers, payload });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json();
  };
  const memberId = `member-${randomUUID().slice(0, 8)}`;
  const accountId = `acc-${randomUUID().slice(0, 8)}`;
  const [thread, uploads, group, rule] = await Promise.all([
    call('POST', '/v1/threads', { subject: 'Victim thread', participants: ['bob'], body: 'the first message' }),
    call('POST', '/v1/uploads/urls', { count: 1 }),
    call('POST', '/v1/groups', { name: 'Victims' }),
    call('PUT', '/v1/cleansing-rules', { kind: 'alias', pattern: 'VICTIM SHOP', value: 'Victim Shop' }),
  ]);
  await call('POST', '/v1/events/MemberEnrolled', { payload: { memberId, enrolledVia: randomUUID() } });
  await call('POST', '/v1/events/MemberAddedToGroup', {
    payload: { memberId, groupId: group.groupId, assignmentId: randomUUID() },
  });
  await call('POST', '/v1/events/AccountBalanceUpdated', {
    payload: { accountId, balanceMinor: 12_345, availableBalanceMinor: null, currency: 'EUR', asOf: new Date() },
  });
  const jobId = randomUUID();
  const assignmentId = randomUUID();
  await backbone.publisher.publishBatch([
    ...importJob(organizationId, jobId, 'transactions'),
    ...importJob(organizationId, assignmentId, 'groups'),
  ]);
  return {
    organizationId,
    headers,
    ids: {
      organizationId,
      threadId: thread.threadId,
      messageId: thread.messageId,
      participantId: 'bob',
      attachmentId: uploads.uploads[0].attachmentId,
      groupId: group.groupId,
      memberId,
      accountId,
      ruleId: rule.ruleId,
      jobId,
      assignmentId,
    },
  };
}

/** A finished import job, as an importer publishes it, with one rejected line (so it has a report entry). */
function importJob(organizationId: string, jobId: string, kind: string): TributaryEvent[] {
  const meta = () => metadata(new Date(), { organizationId, correlationId: jobId, actor: 'alice' });
  return [
    {
      type: 'ImportStarted',
      metadata: meta(),
      payload: {
        jobId,
        kind,
        fileName: `${kind}.csv`,
        source: 'api',
        objectKey: null,
        sizeBytes: 100,
        sha256: 'a'.repeat(64),
        requestedBy: 'alice',
      },
    },
    {
      type: 'ImportCompleted',
      metadata: meta(),
      payload: {
        jobId,
        kind,
        counts: [{ name: 'read', value: 2 }],
        rejected: [{ lineNumber: 2, column: null, reason: 'a bad line' }],
        reportLocation: null,
      },
    },
  ] as TributaryEvent[];
}
