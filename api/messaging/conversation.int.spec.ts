import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { startMessagingFlow, type Caller, type MessagingFlow } from '../../test/support/messaging.ts';

let backbone: Backbone;
let flow: MessagingFlow;
let alice: Caller;
let bob: Caller;
let carol: Caller;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  flow = await startMessagingFlow(backbone);
  alice = flow.as('alice');
  bob = flow.as('bob');
  carol = flow.as('carol');
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

/** Creates a thread of alice's with bob and carol and a first message; answers its ids and position. */
async function kickOff(subject = 'Quarter close') {
  const created = await alice('POST', '/v1/threads', { subject, participants: ['bob', 'carol'], body: 'Kick-off' });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return created.body as { threadId: string; messageId: string; position: string };
}

const inboxEntry = async (caller: Caller, threadId: string, query = '') => {
  const inbox = await caller('GET', `/v1/threads?${query}`);
  expect(inbox.status).toBe(200);
  return inbox.body.items.find((t: { threadId: string }) => t.threadId === threadId);
};

describe('a whole conversation', () => {
  it('when a thread is created, replied to, read and archived, then unread counts, read receipts and inboxes follow each step', async () => {
    const { threadId, messageId: first, position: created } = await kickOff();
    expect(await inboxEntry(bob, threadId, `after=${created}`)).toMatchObject({
      subject: 'Quarter close',
      unreadCount: 1,
      lastMessage: { body: 'Kick-off', senderId: 'alice' },
    });

    const reply = await bob('POST', `/v1/threads/${threadId}/messages?after=${created}`, {
      body: 'On it',
      replyToMessageId: first,
    });
    expect(reply.status).toBe(202);
    expect(await inboxEntry(carol, threadId, `after=${reply.body.position}`)).toMatchObject({
      unreadCount: 2,
      lastMessage: { body: 'On it', replyToMessageId: first },
    });

    const read = await carol('POST', `/v1/threads/${threadId}/read`, { messageId: first });
    expect(read.status).toBe(202);
    expect((await inboxEntry(carol, threadId, `after=${read.body.position}`)).unreadCount).toBe(1);

    const thread = await alice('GET', `/v1/threads/${threadId}?after=${read.body.position}`);
    expect(thread.body).toMatchObject({ subject: 'Quarter close', createdBy: 'alice', me: { unreadCount: 1 } });
    const receipts = Object.fromEntries(
      thread.body.participants.map((p: { participantId: string; lastReadMessageId: string }) => [
        p.participantId,
        p.lastReadMessageId,
      ]),
    );
    expect(receipts).toEqual({ alice: first, bob: reply.body.messageId, carol: first });

    const messages = await alice('GET', `/v1/threads/${threadId}/messages`);
    expect(messages.body.items.map((m: { body: string }) => m.body)).toEqual(['Kick-off', 'On it']);
    const one = await alice('GET', `/v1/threads/${threadId}/messages/${reply.body.messageId}`);
    expect(one.body).toMatchObject({ senderId: 'bob', body: 'On it', replyToMessageId: first });

    const archived = await alice('POST', `/v1/threads/${threadId}/archive`);
    expect(archived.status).toBe(202);
    expect(await inboxEntry(alice, threadId, `after=${archived.body.position}`)).toBeUndefined();
    expect(await inboxEntry(alice, threadId, 'status=archived')).toMatchObject({ archived: true, unreadCount: 1 });
    expect(await inboxEntry(bob, threadId)).toMatchObject({ archived: false });
    const unarchived = await alice('POST', `/v1/threads/${threadId}/unarchive`);
    expect(await inboxEntry(alice, threadId, `after=${unarchived.body.position}`)).toMatchObject({ archived: false });
  });

  it('when threads have activity, then the inbox lists the newest first and pages with its cursor', async () => {
    const older = await kickOff('older');
    const newer = await kickOff('newer');
    const bump = await bob('POST', `/v1/threads/${older.threadId}/messages?after=${older.position}`, { body: 'bump' });
    // The two threads may be in different partitions: a read after the bump waits for the bump's
    // partition only, and the second page would miss `newer` until its own partition is applied.
    await bob('GET', `/v1/threads?after=${newer.position}`);

    const page = await bob('GET', `/v1/threads?after=${bump.body.position}&limit=1`);
    expect(page.body.items.map((t: { subject: string }) => t.subject)).toEqual(['older']);
    const next = await bob('GET', `/v1/threads?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((t: { threadId: string }) => t.threadId)).toEqual([newer.threadId]);
  });
});

describe('who may read and post', () => {
  it('when someone of the organization who does not take part asks, then every thread route answers 403 not_a_participant', async () => {
    const { threadId, messageId, position } = await kickOff();
    const dave = flow.as('dave');
    await bob('GET', `/v1/threads/${threadId}?after=${position}`);
    const probes: [Parameters<Caller>[0], string, object?][] = [
      ['GET', `/v1/threads/${threadId}`],
      ['GET', `/v1/threads/${threadId}/messages`],
      ['GET', `/v1/threads/${threadId}/messages/${messageId}`],
      ['POST', `/v1/threads/${threadId}/messages`, { body: 'let me in' }],
      ['POST', `/v1/threads/${threadId}/read`, { messageId }],
      ['POST', `/v1/threads/${threadId}/archive`],
      ['POST', `/v1/threads/${threadId}/unarchive`],
      ['POST', `/v1/threads/${threadId}/participants`, { participants: ['dave'] }],
      ['DELETE', `/v1/threads/${threadId}/participants/bob`],
    ];
    for (const [method, url, payload] of probes) {
      const answer = await dave(method, url, payload);
      expect([answer.status, answer.body.code], `${method} ${url}`).toEqual([403, 'not_a_participant']);
    }
    expect(await inboxEntry(dave, threadId)).toBeUndefined();
  });

  it('when a participant is removed, then they keep what was sent before and see nothing after', async () => {
    const { threadId, position } = await kickOff();
    const before = await bob('POST', `/v1/threads/${threadId}/messages?after=${position}`, { body: 'before' });
    const notCreator = await bob('DELETE', `/v1/threads/${threadId}/participants/carol?after=${before.body.position}`);
    expect([notCreator.status, notCreator.body.code]).toEqual([403, 'not_allowed']);
    const removed = await alice('DELETE', `/v1/threads/${threadId}/participants/carol?after=${before.body.position}`);
    expect(removed.status).toBe(202);
    const after = await alice('POST', `/v1/threads/${threadId}/messages?after=${removed.body.position}`, {
      body: 'after carol left',
    });

    const seen = await carol('GET', `/v1/threads/${threadId}/messages?after=${after.body.position}`);
    expect(seen.body.items.map((m: { body: string }) => m.body)).toEqual(['Kick-off', 'before']);
    expect((await carol('GET', `/v1/threads/${threadId}/messages/${after.body.messageId}`)).status).toBe(404);
    expect(await inboxEntry(carol, threadId)).toMatchObject({
      active: false,
      unreadCount: 2,
      lastMessage: { body: 'before' },
    });
    const thread = await carol('GET', `/v1/threads/${threadId}`);
    expect(thread.body.participants.map((p: { participantId: string }) => p.participantId)).toEqual(['carol']);
    const post = await carol('POST', `/v1/threads/${threadId}/messages`, { body: 'wait for me' });
    expect([post.status, post.body.code]).toEqual([403, 'not_a_participant']);
    expect(post.body.detail).toContain('no longer take part');

    const left = await bob('DELETE', `/v1/threads/${threadId}/participants/bob`);
    expect(left.status).toBe(202);
    const gone = await alice('DELETE', `/v1/threads/${threadId}/participants/carol?after=${left.body.position}`);
    expect([gone.status, gone.body.code]).toEqual([404, 'not_found']);
  });

  it('when a caller’s subject is an identity provider’s (auth0|…, with spaces or a slash), then they can be added, take part and leave', async () => {
    const subjects = ['auth0|5f7c8ec7', 'ü ser/x'];
    const dana = flow.as(subjects[0]!);
    const created = await dana('POST', '/v1/threads', { subject: 'Pipes', participants: [subjects[1]!], body: 'hi' });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const { threadId, position } = created.body;

    const other = await flow.as(subjects[1]!)('GET', `/v1/threads/${threadId}?after=${position}`);
    expect(other.status).toBe(200);
    for (const subject of subjects) {
      const left = await flow.as(subject)(
        'DELETE',
        `/v1/threads/${threadId}/participants/${encodeURIComponent(subject)}`,
      );
      expect(left.status, JSON.stringify(left.body)).toBe(202);
    }
  });

  it('when someone of another organization probes every route of a thread, then each answers 404 and their inbox is empty of it', async () => {
    const { threadId, messageId, position } = await kickOff();
    await alice('GET', `/v1/threads/${threadId}?after=${position}`);
    // The same user name in another organization is another person.
    const mallory = flow.as('alice', { organizationId: 'org-other' });
    const probes: [Parameters<Caller>[0], string, object?][] = [
      ['GET', `/v1/threads/${threadId}`],
      ['GET', `/v1/threads/${threadId}/messages`],
      ['GET', `/v1/threads/${threadId}/messages/${messageId}`],
      ['POST', `/v1/threads/${threadId}/messages`, { body: 'hello?' }],
      ['POST', `/v1/threads/${threadId}/read`, { messageId }],
      ['POST', `/v1/threads/${threadId}/archive`],
      ['POST', `/v1/threads/${threadId}/unarchive`],
      ['POST', `/v1/threads/${threadId}/participants`, { participants: ['mallory'] }],
      ['DELETE', `/v1/threads/${threadId}/participants/bob`],
    ];
    for (const [method, url, payload] of probes) {
      const answer = await mallory(method, url, payload);
      expect([answer.status, answer.body.code], `${method} ${url}`).toEqual([404, 'not_found']);
    }
    expect(await inboxEntry(mallory, threadId, 'status=all')).toBeUndefined();
  });

  it('when a message is empty or replies to a message that is not in the thread, then it is refused with a clear error', async () => {
    const { threadId, position } = await kickOff();
    const blank = await bob('POST', `/v1/threads/${threadId}/messages?after=${position}`, { body: ' \n\t ' });
    expect(blank.body).toMatchObject({ status: 400, code: 'empty_message', errors: [{ field: 'body.body' }] });
    const empty = await alice('POST', '/v1/threads', { subject: 'x', participants: [], body: '' });
    expect(empty.body).toMatchObject({ status: 400, code: 'empty_message' });
    const stray = await bob('POST', `/v1/threads/${threadId}/messages`, {
      body: 'reply to nothing',
      replyToMessageId: crypto.randomUUID(),
    });
    expect([stray.status, stray.body.code]).toEqual([404, 'not_found']);
  });
});
