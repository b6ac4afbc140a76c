import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, notificationsOf, token } from '../../api/realtime/realtime.spec-support.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { uniqueName } from '../../test/support/platform.ts';
import {
  ACCOUNT_SCOPES,
  connectorNotice,
  CRASH_AFTER_PUBLISHING,
  ingested,
  startTransactionsFlow,
  type TransactionsFlow,
} from '../../test/support/transactions.ts';
import { readToEnd } from '../runtime/read-to-end.ts';

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

async function published<T extends TributaryEvent['type']>(
  type: T,
  organizationId: string,
): Promise<Extract<TributaryEvent, { type: T }>[]> {
  const records = await readToEnd(backbone.kafka, backbone.topics['transactions.cleansed'], uniqueName('read'));
  const events = await Promise.all(records.map((r) => backbone.codec.decode(r.value)));
  return events.filter(
    (e): e is Extract<TributaryEvent, { type: T }> => e.type === type && e.metadata.organizationId === organizationId,
  );
}

async function transactionsOf(org: string, account: string) {
  const answer = await flow.call(org, 'GET', `/v1/accounts/${account}/transactions?limit=200`);
  return answer.body.items as Record<string, unknown>[];
}

describe('cleansing into the warehouse', () => {
  it('when a nightly file has good, invalid and duplicate lines, then the warehouse and balances hold the good ones once and the rest are rejected with reasons', async () => {
    const org = uniqueName('org');
    const lines = [
      ingested(
        org,
        'chk',
        { amount: '-4.75', date: '03/01/2026', description: 'POS PURCHASE STARBUCKS #1234 SEATTLE WA' },
        2,
      ),
      ingested(org, 'chk', { amount: '(23.99)', date: '2026-03-02', description: 'AMZN Mktp US*2K4RT5' }, 3),
      ingested(
        org,
        'chk',
        { amount: '2,150.00', date: '2026-03-03T23:30:00-05:00', description: 'ACME PAYROLL PPD' },
        4,
      ),
      // The same purchase as line 2, written differently: a duplicate.
      ingested(
        org,
        'chk',
        { amount: '-4.75', date: '2026-03-01', description: 'pos purchase  Starbucks #1234, Seattle WA' },
        5,
      ),
      ingested(org, 'chk', { amount: 'abc', date: '2026-02-30', description: 'BROKEN' }, 6),
      ingested(org, 'yen', { amount: '1200', date: '2026-03-01', description: 'FAMILYMART 0042', currency: 'JPY' }, 7),
      ingested(org, 'yen', { amount: '1.5', date: '2026-03-01', description: 'FAMILYMART 0042', currency: 'JPY' }, 8),
      ingested(org, 'kwd', { amount: '-1.234', date: '2026-03-01', description: 'SOUQ', currency: 'KWD' }, 9),
    ];
    await backbone.publisher.publishBatch(lines);

    const checking = await eventually(async () => {
      const answer = await flow.call(org, 'GET', '/v1/accounts/chk');
      expect(answer.body).toMatchObject({ balanceMinor: -475 - 2399 + 215000, currency: 'USD' });
      return answer.body;
    });
    expect(checking.accountId).toBe('chk');
    expect(await transactionsOf(org, 'chk')).toEqual([
      expect.objectContaining({ postedOn: '2026-03-04', amountMinor: 215000, category: 'income', lineNumber: 4 }),
      expect.objectContaining({ postedOn: '2026-03-02', merchant: 'Amazon', category: 'shopping', amountMinor: -2399 }),
      expect.objectContaining({
        postedOn: '2026-03-01',
        merchant: 'Starbucks',
        category: 'dining',
        amountMinor: -475,
        currency: 'USD',
        description: 'POS PURCHASE STARBUCKS #1234 SEATTLE WA',
        sourceFile: 'nightly.csv',
        lineNumber: 2,
      }),
    ]);
    await eventually(async () => {
      expect((await flow.call(org, 'GET', '/v1/accounts/yen')).body).toMatchObject({
        balanceMinor: 1200,
        currency: 'JPY',
      });
      expect((await flow.call(org, 'GET', '/v1/accounts/kwd')).body).toMatchObject({
        balanceMinor: -1234,
        currency: 'KWD',
      });
    });
    const rejected = await published('TransactionRejected', org);
    expect(rejected.map((e) => e.payload).sort((a, b) => Number(a.lineNumber) - Number(b.lineNumber))).toEqual([
      expect.objectContaining({
        lineNumber: 6,
        reasons: [
          { field: 'rawAmount', problem: '"abc" is not an amount (e.g. -12.50, (12.50), 1,234.56)' },
          { field: 'rawDate', problem: '"2026-02-30" is not a day of the calendar' },
        ],
      }),
      expect.objectContaining({
        lineNumber: 8,
        reasons: [{ field: 'rawAmount', problem: '"1.5" has 1 decimals; JPY has 0' }],
      }),
    ]);
  });

  it('when an account’s balance would pass the largest kept, then that transaction is rejected, and the same account id of another organization goes on', async () => {
    const [rich, other] = [uniqueName('org'), uniqueName('org')];
    // Ten of the largest amounts: the tenth would take the balance past 9 × 10^15 minor units.
    const big = (line: number, day: number) =>
      ingested(
        rich,
        'acc-1',
        { amount: '9,999,999,999,999.99', date: `2026-04-${day}`, description: `WIRE ${line}` },
        line,
      );
    await backbone.publisher.publishBatch(Array.from({ length: 10 }, (_, i) => big(i + 2, 10 + i)));
    await backbone.publisher.publish(
      ingested(other, 'acc-1', { amount: '-7.00', date: '2026-04-20', description: 'CAFE' }),
    );

    await eventually(async () => {
      expect((await flow.call(rich, 'GET', '/v1/accounts/acc-1')).body).toMatchObject({
        balanceMinor: 9 * 999_999_999_999_999,
      });
      expect((await flow.call(other, 'GET', '/v1/accounts/acc-1')).body).toMatchObject({ balanceMinor: -700 });
      const rejected = await published('TransactionRejected', rich);
      expect(rejected.map((e) => [e.payload.lineNumber, e.payload.reasons[0]?.problem])).toEqual([
        [11, expect.stringContaining("would take the account's balance above 9000000000000000 minor units")],
      ]);
    });
  });

  it('when the same events are delivered again, or the same lines come again under new ids, then nothing is added twice', async () => {
    const org = uniqueName('org');
    const first = [
      ingested(org, 'sav', { amount: '100.00', date: '2026-03-01', description: 'DEPOSIT' }, 2, { reference: 'D-1' }),
      ingested(org, 'sav', { amount: '100.00', date: '2026-03-01', description: 'DEPOSIT' }, 3, { reference: 'D-2' }),
    ];
    await backbone.publisher.publishBatch(first);
    await eventually(async () =>
      expect((await flow.call(org, 'GET', '/v1/accounts/sav')).body).toMatchObject({ balanceMinor: 20000 }),
    );
    // A redelivery (same event ids) and a re-import (new ids, same lines), then one new line.
    const again = first.map((e) => ({ ...e, metadata: { ...e.metadata, eventId: crypto.randomUUID() } }));
    const last = ingested(org, 'sav', { amount: '1.00', date: '2026-03-02', description: 'INTEREST' }, 4);
    await backbone.publisher.publishBatch([...first, ...again, last]);
    await eventually(async () =>
      expect((await flow.call(org, 'GET', '/v1/accounts/sav')).body).toMatchObject({ balanceMinor: 20100 }),
    );
    const rows = await transactionsOf(org, 'sav');
    expect(rows.map((r) => `${r.amountMinor} ${r.reference}`).sort()).toEqual(['100 null', '10000 D-1', '10000 D-2']);
    expect(new Set(rows.map((r) => r.transactionId)).size).toBe(3);
    expect(await published('TransactionCleansed', org)).toHaveLength(3);
  });

  it('when the cleanser dies after publishing and before its commit, then the retry republishes the same ids and the warehouse and balance count each once', async () => {
    const org = uniqueName('org');
    CRASH_AFTER_PUBLISHING.add(org);
    await backbone.publisher.publishBatch([
      ingested(org, 'crash', { amount: '10.00', date: '2026-03-01', description: 'REFUND ONE' }, 2),
      ingested(org, 'crash', { amount: '5.00', date: '2026-03-02', description: 'REFUND TWO' }, 3),
    ]);
    await eventually(async () =>
      expect((await flow.call(org, 'GET', '/v1/accounts/crash')).body).toMatchObject({ balanceMinor: 1500 }),
    );
    expect(CRASH_AFTER_PUBLISHING.has(org)).toBe(false);
    expect(await transactionsOf(org, 'crash')).toHaveLength(2);
    // The warehouse may show the first attempt's events before the retry republishes: wait for the copies.
    const cleansed = await eventually(async () => {
      const events = await published('TransactionCleansed', org);
      expect(events.length).toBeGreaterThan(2);
      return events;
    });
    expect(new Set(cleansed.map((e) => e.metadata.eventId)).size).toBe(2);
    expect(await transactionsOf(org, 'crash')).toHaveLength(2);
    expect((await flow.call(org, 'GET', '/v1/accounts/crash')).body).toMatchObject({ balanceMinor: 1500 });
    const balances = new Map<string, number>();
    for (const e of await published('AccountBalanceUpdated', org)) {
      expect(balances.get(e.metadata.eventId) ?? e.payload.balanceMinor).toBe(e.payload.balanceMinor);
      balances.set(e.metadata.eventId, e.payload.balanceMinor);
    }
  });

  it('when an organization adds a merchant alias, then the next transactions cleansed use it, and another organization is not affected', async () => {
    const org = uniqueName('org');
    const other = uniqueName('org');
    const rule = await flow.call(org, 'PUT', '/v1/cleansing-rules', {
      kind: 'alias',
      pattern: 'Corner Bakery',
      value: 'Corner Bakery Café',
    });
    expect(rule).toMatchObject({ status: 200, body: { pattern: 'CORNER BAKERY', scope: 'organization' } });
    await flow.call(org, 'PUT', '/v1/cleansing-rules', { kind: 'category', pattern: 'corner bakery', value: 'dining' });
    const line = { amount: '-8.00', date: '2026-03-05', description: 'CORNER BAKERY #17 PORTLAND OR' };
    await backbone.publisher.publishBatch([ingested(org, 'card', line), ingested(other, 'card', line)]);
    await eventually(async () => {
      expect(await transactionsOf(org, 'card')).toEqual([
        expect.objectContaining({ merchant: 'Corner Bakery Café', category: 'dining' }),
      ]);
      expect(await transactionsOf(other, 'card')).toEqual([
        expect.objectContaining({ merchant: 'Corner Bakery Portland', category: null }),
      ]);
    });
    expect((await flow.call(other, 'DELETE', `/v1/cleansing-rules/${rule.body.ruleId}`)).status).toBe(404);
    expect((await flow.call(org, 'DELETE', `/v1/cleansing-rules/${rule.body.ruleId}`)).status).toBe(200);
  });
});

describe('the connector flow', () => {
  it("when a connector says accounts have new transactions, then each subscribed client of that organization hears of its account's, once", async () => {
    const org = uniqueName('org');
    const socket = (organizationId: string) =>
      token(backbone, { organizationId, subject: uniqueName('user'), scopes: ACCOUNT_SCOPES }).then((t) =>
        connect(flow.realtimeUrl, ['tributary.v1', `bearer.${t}`]),
      );
    const mine = await socket(org);
    const stranger = await socket(uniqueName('org'));
    for (const client of [mine, stranger]) {
      client.send({ type: 'subscribe', topics: ['account_transactionadded'], filters: { accountId: ['acc-a'] } });
      await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));
    }
    const delivered = [
      ingested(org, 'acc-a', { amount: '-12.00', date: '2026-03-06', description: 'UBER TRIP 123' }, 2),
      ingested(org, 'acc-a', { amount: '-3.00', date: '2026-03-06', description: 'LYFT RIDE' }, 3),
      ingested(org, 'acc-b', { amount: '-1.00', date: '2026-03-06', description: 'ATM FEE' }, 4),
    ];
    await backbone.publisher.publishBatch(delivered);
    const notice = connectorNotice(org, ['acc-a', 'acc-b'], 3);
    await backbone.publisher.publish(notice);

    await mine.waitFor((m) => notificationsOf({ received: m }).length > 0, 30_000);
    // One more transaction, then the first notice again (a connector's retry: handled once, so it
    // announces nothing), then a new notice, which announces it.
    await backbone.publisher.publish(
      ingested(org, 'acc-a', { amount: '-7.00', date: '2026-03-07', description: 'UBER EATS' }, 5),
    );
    await eventually(async () => expect(await transactionsOf(org, 'acc-a')).toHaveLength(3));
    const next = connectorNotice(org, ['acc-a'], 1);
    await backbone.publisher.publishBatch([notice, next]);
    await mine.waitFor((m) => notificationsOf({ received: m }).length > 1, 30_000);
    await mine.roundTrip();
    const heard = notificationsOf(mine);
    const batchOf = (n: (typeof heard)[number]) => (n.data as { batchId: string }).batchId;
    expect(heard).toEqual([
      expect.objectContaining({
        topic: 'account_transactionadded',
        filters: { accountId: 'acc-a' },
        data: expect.objectContaining({ accountId: 'acc-a', count: 2, sourceSystem: 'cdp-transfer' }),
      }),
      expect.objectContaining({ data: expect.objectContaining({ accountId: 'acc-a', count: 1 }) }),
    ]);
    expect((heard[0]!.data as { transactionIds: string[] }).transactionIds).toHaveLength(2);
    expect([batchOf(heard[0]!), batchOf(heard[1]!)]).toEqual([
      (notice.payload as { batchId: string }).batchId,
      (next.payload as { batchId: string }).batchId,
    ]);
    await stranger.roundTrip();
    expect(notificationsOf(stranger)).toEqual([]);
    mine.socket.close();
    stranger.socket.close();
  });

  it('when another organization sends a run of notices naming accounts with nothing coming, then a ready notice after them is not held a wait per notice', async () => {
    const [org, noisy] = [uniqueName('org'), uniqueName('org')];
    const client = await connect(flow.realtimeUrl, [
      'tributary.v1',
      `bearer.${await token(backbone, { organizationId: org, subject: uniqueName('user'), scopes: ACCOUNT_SCOPES })}`,
    ]);
    client.send({ type: 'subscribe', topics: ['account_transactionadded'] });
    await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));
    await backbone.publisher.publish(
      ingested(org, 'acc-ready', { amount: '-2.00', date: '2026-03-08', description: 'BUS FARE' }, 2),
    );
    await eventually(async () => expect(await transactionsOf(org, 'acc-ready')).toHaveLength(1));

    // Twenty notices of empty accounts, then ours: waited one by one (3 s each here), ours came after a minute.
    const empty = Array.from({ length: 20 }, (_, i) => connectorNotice(noisy, [`empty-${i}`], 1));
    await backbone.publisher.publishBatch([...empty, connectorNotice(org, ['acc-ready'], 1)]);

    await client.waitFor((m) => notificationsOf({ received: m }).length > 0, 20_000);
    expect(notificationsOf(client)).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ accountId: 'acc-ready', count: 1 }) }),
    ]);
    client.socket.close();
  });
});
