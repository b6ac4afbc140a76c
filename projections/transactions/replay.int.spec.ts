import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpoints } from '../../processors/runtime/store.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { isolatedProjection } from '../../test/support/projection-scenario.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { startProjection } from '../live.ts';
import { liveProcessorName } from '../projection.ts';
import { replay } from '../replay.ts';
import { transactionsWarehouse } from './projection.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

function metadata(organizationId: string, n: number) {
  return {
    eventId: crypto.randomUUID(),
    occurredAt: new Date(Date.UTC(2026, 2, 1, 0, n)),
    organizationId,
    environment: 'test',
    correlationId: crypto.randomUUID(),
    causationId: null,
    actor: 'transactions-cleanser',
  };
}

/** What the cleanser publishes for a few accounts: transactions, their balances, renames, and copies of each (at least once). */
function history(organizationId: string): TributaryEvent[] {
  const events: TributaryEvent[] = [];
  const balances = new Map<string, number>();
  for (let n = 0; n < 120; n += 1) {
    const accountId = `acc-${n % 4}`;
    const amountMinor = ((n * 7919) % 20000) - 10000;
    const cleansed: TributaryEvent = {
      type: 'TransactionCleansed',
      metadata: metadata(organizationId, n),
      payload: {
        transactionId: crypto.randomUUID(),
        accountId,
        amountMinor,
        currency: 'USD',
        postedOn: new Date(Date.UTC(2026, 0, 1 + (n % 40))).toISOString().slice(0, 10),
        description: `SHOP ${n}`,
        merchant: `Shop ${n % 9}`,
        category: n % 3 === 0 ? 'dining' : null,
        externalTransactionId: null,
        reference: `r-${n}`,
        sourceFile: 'nightly.csv',
        lineNumber: n + 2,
        sourceEventId: crypto.randomUUID(),
      },
    };
    const balance = (balances.get(accountId) ?? 0) + amountMinor;
    balances.set(accountId, balance);
    events.push(cleansed, {
      type: 'AccountBalanceUpdated',
      metadata: metadata(organizationId, n),
      payload: { accountId, balanceMinor: balance, availableBalanceMinor: null, currency: 'USD', asOf: new Date() },
    });
    if (n % 10 === 0) events.push(cleansed);
    if (n % 25 === 0)
      events.push({
        type: 'AccountNicknameUpdated',
        metadata: metadata(organizationId, n),
        payload: { accountId, nickname: n % 50 === 0 ? `Fund ${n}` : '', previousNickname: null },
      });
  }
  return events;
}

describe('replaying the transaction warehouse', () => {
  it('when the live warehouse took the events in small batches and a rebuild takes them at once, then the tables are identical', async () => {
    const projection = isolatedProjection(transactionsWarehouse, backbone);
    const events = history(uniqueName('org'));
    const live = await startProjection(projection, backbone.runtime(), { sessionTimeoutMs: 6000 });
    const written: { partition: number; offset: string }[] = [];
    try {
      for (let i = 0; i < events.length; i += 17)
        written.push(...(await backbone.publisher.publishBatch(events.slice(i, i + 17))));
      await eventually(
        async () => {
          const stored = await checkpoints(backbone.pool, liveProcessorName(projection));
          for (const position of written) {
            const at = stored.find((c) => c.partition === position.partition);
            expect(at?.nextOffset ?? 0n).toBeGreaterThan(BigInt(position.offset));
          }
        },
        { timeoutMs: 45_000 },
      );
    } finally {
      await live.stop();
    }

    const result = await replay(projection, backbone.runtime(), { dryRun: true, pollMs: 100, sessionTimeoutMs: 6000 });

    expect(result.differences?.map((d) => [d.table, d.liveRows, d.onlyLive, d.onlyRebuilt])).toEqual([
      ['transactions', 120, 0, 0],
      ['accounts', 4, 0, 0],
    ]);
  });
});
