import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { ingested, startTransactionsFlow, type TransactionsFlow } from '../../test/support/transactions.ts';

let backbone: Backbone;
let flow: TransactionsFlow;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  flow = await startTransactionsFlow(backbone);
});
afterAll(async () => {
  await flow?.stop();
  await backbone?.close();
});

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + (n % 60))).toISOString().slice(0, 10);
const line = (org: string, account: string, n: number, amount = `-${(n % 90) + 1}.00`) =>
  ingested(org, account, { amount, date: day(n * 7), description: `SHOP ${n}` }, n + 2, { reference: `ref-${n}` });

async function until(org: string, account: string, count: number): Promise<void> {
  await eventually(async () => {
    const rows = await flow.call(org, 'GET', `/v1/accounts/${account}/transactions?limit=200`);
    expect(rows.body.items).toHaveLength(Math.min(count, 200));
  });
}

type Page = { items: { transactionId: string; postedOn: string }[]; nextCursor?: string };

describe('an account and its transactions', () => {
  it('when a reader pages through an account while transactions arrive, then every transaction there at the start comes once, in order', async () => {
    const org = uniqueName('org');
    await backbone.publisher.publishBatch(Array.from({ length: 150 }, (_, n) => line(org, 'busy', n)));
    await until(org, 'busy', 150);
    const before = (await flow.call(org, 'GET', '/v1/accounts/busy/transactions?limit=200')).body as Page;

    const seen: Page['items'] = [];
    let cursor: string | undefined;
    let n = 150;
    do {
      const page = (
        await flow.call(org, 'GET', `/v1/accounts/busy/transactions?limit=20${cursor ? `&cursor=${cursor}` : ''}`)
      ).body as Page;
      seen.push(...page.items);
      cursor = page.nextCursor;
      // Newer and older ones land meanwhile, on both sides of the reader's place.
      await backbone.publisher.publishBatch([line(org, 'busy', n++), line(org, 'busy', n++)]);
    } while (cursor);

    const ids = seen.map((t) => t.transactionId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const row of before.items) expect(ids).toContain(row.transactionId);
    const order = seen.map((t) => `${t.postedOn} ${t.transactionId}`);
    expect(order).toEqual([...order].sort().reverse());
  });

  it('when filters are given, then only matching transactions come, and a cursor pages within those filters only', async () => {
    const org = uniqueName('org');
    await backbone.publisher.publishBatch([
      ingested(org, 'f', { amount: '-4.75', date: '2026-02-01', description: 'STARBUCKS #1' }, 2),
      ingested(org, 'f', { amount: '-5.25', date: '2026-02-03', description: 'STARBUCKS #2' }, 3),
      ingested(org, 'f', { amount: '-60.00', date: '2026-02-05', description: 'SHELL OIL 123' }, 4),
      ingested(org, 'f', { amount: '2000.00', date: '2026-02-07', description: 'ACME PAYROLL' }, 5),
    ]);
    await until(org, 'f', 4);
    const get = async (query: string) => (await flow.call(org, 'GET', `/v1/accounts/f/transactions?${query}`)).body;
    const amounts = (page: { items: { amountMinor: number }[] }) => page.items.map((t) => t.amountMinor);
    expect(amounts(await get('category=dining'))).toEqual([-525, -475]);
    expect(amounts(await get('category=DINING'))).toEqual([-525, -475]);
    expect(amounts(await get('minAmountMinor=-1000&maxAmountMinor=-500'))).toEqual([-525]);
    expect(amounts(await get('q=shell'))).toEqual([-6000]);
    expect(amounts(await get('from=2026-02-03&to=2026-02-05'))).toEqual([-6000, -525]);

    const first = await get('category=dining&limit=1');
    expect(amounts(first)).toEqual([-525]);
    expect(amounts(await get(`category=dining&limit=1&cursor=${first.nextCursor}`))).toEqual([-475]);
    const elsewhere = await flow.call(
      org,
      'GET',
      `/v1/accounts/f/transactions?category=fuel&cursor=${first.nextCursor}`,
    );
    expect(elsewhere).toMatchObject({ status: 400, body: { code: 'invalid_cursor' } });
  });

  it('when another organization asks for an account or carries a cursor over, then it gets 404 or 400', async () => {
    const org = uniqueName('org');
    const other = uniqueName('org');
    await backbone.publisher.publishBatch([
      ...[0, 1, 2].map((n) => line(org, 'shared-id', n)),
      ...[0, 1, 2].map((n) => line(other, 'shared-id', n + 10)),
      line(org, 'second', 5),
    ]);
    await until(org, 'shared-id', 3);
    await until(other, 'shared-id', 3);
    await until(org, 'second', 1);

    const stranger = uniqueName('org');
    expect((await flow.call(stranger, 'GET', '/v1/accounts/shared-id')).status).toBe(404);
    expect((await flow.call(stranger, 'GET', '/v1/accounts/shared-id/transactions')).status).toBe(404);
    expect((await flow.call(stranger, 'PATCH', '/v1/accounts/shared-id', { nickname: 'mine now' })).status).toBe(404);

    const page = (await flow.call(org, 'GET', '/v1/accounts/shared-id/transactions?limit=1')).body as Page;
    const cursor = page.nextCursor!;
    const refused = { status: 400, body: { code: 'invalid_cursor' } };
    expect(await flow.call(other, 'GET', `/v1/accounts/shared-id/transactions?limit=1&cursor=${cursor}`)).toMatchObject(
      refused,
    );
    expect(await flow.call(org, 'GET', `/v1/accounts/second/transactions?limit=1&cursor=${cursor}`)).toMatchObject(
      refused,
    );
    const [body, mac] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify(['2099-01-01', page.items[0]!.transactionId])).toString('base64url');
    for (const tampered of [
      `${forged}.${mac}`,
      `${body}.${mac!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
      'garbage',
    ])
      expect(
        await flow.call(org, 'GET', `/v1/accounts/shared-id/transactions?limit=1&cursor=${tampered}`),
        tampered,
      ).toMatchObject(refused);
    expect((await flow.call(org, 'GET', '/v1/accounts/shared-id/transactions?limit=201')).status).toBe(400);
  });

  it('when a query or a rule is malformed, then 400 names the field, never a 500', async () => {
    const org = uniqueName('org');
    for (const query of ['from=2026-13-45', 'to=yesterday', 'limit=0', 'minAmountMinor=1.5', 'from=0000-01-01'])
      expect((await flow.call(org, 'GET', `/v1/accounts/any/transactions?${query}`)).status, query).toBe(400);
    // A range that can hold nothing: named, rather than an empty page.
    const backwards = await flow.call(org, 'GET', '/v1/accounts/any/transactions?from=2026-11-05&to=2026-11-01');
    expect(backwards).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'querystring.to', problem: 'must not be before from (2026-11-05)' }] },
    });
    const amounts = await flow.call(org, 'GET', '/v1/accounts/any/transactions?minAmountMinor=500&maxAmountMinor=-500');
    expect(amounts).toMatchObject({ status: 400, body: { errors: [{ field: 'querystring.maxAmountMinor' }] } });
    for (const body of [
      { kind: 'alias', pattern: '~=§', value: 'X' },
      { kind: 'alias', pattern: 'SHOP', value: '   ' },
      { kind: 'colour', pattern: 'SHOP', value: 'X' },
    ])
      expect((await flow.call(org, 'PUT', '/v1/cleansing-rules', body)).status, JSON.stringify(body)).toBe(400);
  });

  it('when an account is renamed, then 202 gives a position after which the account reads with its nickname', async () => {
    const org = uniqueName('org');
    await backbone.publisher.publishBatch([line(org, 'named', 1)]);
    await until(org, 'named', 1);
    const renamed = await flow.call(org, 'PATCH', '/v1/accounts/named', { nickname: '  Holiday fund ' });
    expect(renamed).toMatchObject({ status: 202, body: { accountId: 'named', position: expect.any(String) } });
    const read = await flow.call(org, 'GET', `/v1/accounts/named?after=${renamed.body.position}`);
    expect(read).toMatchObject({
      status: 200,
      body: { nickname: 'Holiday fund', currency: 'USD', balanceMinor: -200 },
    });
    // 100 characters as sent, counted as JSON Schema counts them (an emoji is one).
    expect((await flow.call(org, 'PATCH', '/v1/accounts/named', { nickname: '🏖'.repeat(100) })).status).toBe(202);
    const tooLong = await flow.call(org, 'PATCH', '/v1/accounts/named', { nickname: 'n'.repeat(101) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ errors: [{ field: 'body.nickname' }] });
    const cleared = await flow.call(org, 'PATCH', '/v1/accounts/named', { nickname: '' });
    const after = await flow.call(org, 'GET', `/v1/accounts/named?after=${cleared.body.position}`);
    expect(after.body.nickname).toBeNull();
  });
});
