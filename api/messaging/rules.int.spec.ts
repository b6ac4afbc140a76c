import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { MESSAGING_SCOPES, startMessagingFlow, type MessagingFlow } from '../../test/support/messaging.ts';

let backbone: Backbone;
let flow: MessagingFlow;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  flow = await startMessagingFlow(backbone, {
    env: {
      MESSAGING_CREATE_THREAD_SCOPES: 'threads:create,threads:admin',
      MESSAGING_REPLY_SCOPES: 'threads:reply',
      MESSAGING_MAX_BODY_BYTES: '64',
    },
  });
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

const withScopes = (subject: string, ...extra: string[]) =>
  flow.as(subject, { scopes: [...MESSAGING_SCOPES, ...extra] });

describe('seed 002’s scopes and the body limit', () => {
  it('when thread and reply scopes are configured, then only callers holding one of them create threads and post', async () => {
    const refused = await withScopes('alice')('POST', '/v1/threads', { subject: 'Rota', participants: ['bob'] });
    expect(refused.body).toMatchObject({
      status: 403,
      code: 'missing_scope',
      detail: 'creating a thread needs one of the scopes threads:create, threads:admin',
    });

    const alice = withScopes('alice', 'threads:admin', 'threads:reply');
    const created = await alice('POST', '/v1/threads', { subject: 'Rota', participants: ['bob'], body: 'Who is on?' });
    expect(created.status).toBe(202);
    const { threadId, position } = created.body;

    const bobWithout = await withScopes('bob')('POST', `/v1/threads/${threadId}/messages?after=${position}`, {
      body: 'me',
    });
    expect(bobWithout.body).toMatchObject({ status: 403, code: 'missing_scope' });
    expect(bobWithout.body.detail).toContain('threads:reply');
    const bobWith = await withScopes('bob', 'threads:reply')('POST', `/v1/threads/${threadId}/messages`, {
      body: 'me',
    });
    expect(bobWith.status).toBe(202);
  });

  it('when a thread names scopes of its own, then a participant needs one of them to post in it', async () => {
    const alice = withScopes('alice', 'threads:create', 'threads:reply', 'clinical');
    const created = await alice('POST', '/v1/threads', {
      subject: 'Ward round',
      participants: ['bob', 'carol'],
      scopes: ['clinical'],
    });
    const { threadId, position } = created.body;

    const bob = await withScopes('bob', 'threads:reply')('POST', `/v1/threads/${threadId}/messages?after=${position}`, {
      body: 'hi',
    });
    expect(bob.body).toMatchObject({ status: 403, code: 'missing_scope' });
    expect(bob.body.detail).toContain('clinical');
    const carol = await withScopes('carol', 'threads:reply', 'clinical')('POST', `/v1/threads/${threadId}/messages`, {
      body: 'hi',
    });
    expect(carol.status).toBe(202);
    const thread = await alice('GET', `/v1/threads/${threadId}`);
    expect(thread.body.scopes).toEqual(['clinical']);

    // The first message, sent with the thread, is a post in it like any other.
    const dave = withScopes('dave', 'threads:create', 'threads:reply');
    const startedWithout = await dave('POST', '/v1/threads', {
      subject: 'x',
      participants: [],
      scopes: ['clinical'],
      body: 'hi',
    });
    expect(startedWithout.body).toMatchObject({ status: 403, code: 'missing_scope' });
    expect(startedWithout.body.detail).toContain('clinical');
    const startedEmpty = await dave('POST', '/v1/threads', { subject: 'x', participants: [], scopes: ['clinical'] });
    expect(startedEmpty.status).toBe(202);
  });

  it('when a message is over MESSAGING_MAX_BODY_BYTES in UTF-8, then 413 message_too_large names the sizes', async () => {
    const alice = withScopes('alice', 'threads:create', 'threads:reply');
    // 22 characters, 66 bytes: under the limit in characters, over it in bytes.
    const tooLarge = await alice('POST', '/v1/threads', { subject: 'x', participants: [], body: '€'.repeat(22) });
    expect(tooLarge.body).toMatchObject({
      status: 413,
      code: 'message_too_large',
      detail: 'the message is 66 bytes (UTF-8); at most 64 are allowed',
    });
    const fits = await alice('POST', '/v1/threads', { subject: 'x', participants: [], body: '€'.repeat(21) });
    expect(fits.status).toBe(202);
  });
});
