import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { messagingCursors } from './cursors.ts';
import { startMessagingFlow, type Caller, type MessagingFlow } from '../../test/support/messaging.ts';

let backbone: Backbone;
let flow: MessagingFlow;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  flow = await startMessagingFlow(backbone);
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

const TOTAL = 150;

async function page(caller: Caller, threadId: string, query: string) {
  const answer = await caller('GET', `/v1/threads/${threadId}/messages?${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { items: { body: string }[]; olderCursor?: string; newerCursor?: string };
}

describe('paging through a long thread', () => {
  it('when messages keep arriving while a reader follows newerCursor, then it gets every one once, in order', async () => {
    const alice = flow.as('alice');
    const bob = flow.as('bob');
    const created = await alice('POST', '/v1/threads', { subject: 'Incident', participants: ['bob'] });
    const { threadId, position } = created.body;
    await bob('GET', `/v1/threads/${threadId}?after=${position}`);

    const sending = (async () => {
      for (let i = 0; i < TOTAL; i += 1) {
        const sent = await alice('POST', `/v1/threads/${threadId}/messages`, { body: `update ${i}` });
        expect(sent.status).toBe(202);
      }
    })();
    const seen: string[] = [];
    let cursor: string | undefined;
    await eventually(
      async () => {
        // The reader pages forward in small pages from the oldest, as fast as it can.
        for (;;) {
          const query = `direction=newer&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
          const next = await page(bob, threadId, query);
          seen.push(...next.items.map((m) => m.body));
          cursor = next.newerCursor ?? cursor;
          if (next.items.length === 0) break;
        }
        expect(seen).toHaveLength(TOTAL);
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    await sending;

    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => `update ${i}`));

    // And back again from the newest, following olderCursor.
    const backwards: string[] = [];
    let older: string | undefined;
    let first = true;
    while (first || older) {
      first = false;
      const previous = await page(bob, threadId, `limit=11${older ? `&cursor=${older}` : ''}`);
      backwards.unshift(...previous.items.map((m) => m.body));
      older = previous.olderCursor;
    }
    expect(backwards).toEqual(seen);
  });

  it('when a cursor points past everything or before everything, then the page is empty with cursors to go on from', async () => {
    const alice = flow.as('alice');
    const created = await alice('POST', '/v1/threads', { subject: 'Quiet', participants: [], body: 'only one' });
    const { threadId, position } = created.body;
    const all = await page(alice, threadId, `after=${position}`);
    expect(all.items.map((m) => m.body)).toEqual(['only one']);
    expect(all.olderCursor).toBeUndefined();

    const beyond = await page(alice, threadId, `direction=newer&cursor=${all.newerCursor}`);
    expect(beyond).toEqual({ items: [], newerCursor: all.newerCursor });
    // The place before everything: what the API hands a reader who sees nothing yet.
    const start = messagingCursors(backbone.config).encodeMessage('org-msg', threadId, 0n);
    const before = await page(alice, threadId, `direction=older&cursor=${start}`);
    expect(before.items).toEqual([]);
    const fromStart = await page(alice, threadId, `direction=newer&cursor=${start}`);
    expect(fromStart.items.map((m) => m.body)).toEqual(['only one']);
    const otherThread = await alice('POST', '/v1/threads', { subject: 'Other', participants: [], body: 'x' });
    const carried = await alice(
      'GET',
      `/v1/threads/${otherThread.body.threadId}/messages?after=${otherThread.body.position}&cursor=${all.newerCursor}`,
    );
    expect(carried).toMatchObject({ status: 400, body: { code: 'invalid_cursor' } });
  });
});
