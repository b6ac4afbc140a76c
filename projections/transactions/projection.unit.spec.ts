import { describe, expect, it } from 'vitest';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { projectionSpec } from '../../test/support/projection-spec.ts';
import { transactionsWarehouse } from './projection.ts';

const metadata = (organizationId = 'org-1') => ({
  eventId: crypto.randomUUID(),
  occurredAt: new Date('2026-03-01T12:00:00Z'),
  organizationId,
  environment: 'test',
  correlationId: 'c',
  causationId: null,
  actor: null,
});

const balance = (accountId: string, balanceMinor: number): TributaryEvent => ({
  type: 'AccountBalanceUpdated',
  metadata: metadata(),
  payload: { accountId, balanceMinor, availableBalanceMinor: null, currency: 'USD', asOf: new Date() },
});

const cleansed = (accountId: string): TributaryEvent => ({
  type: 'TransactionCleansed',
  metadata: metadata(),
  payload: {
    transactionId: crypto.randomUUID(),
    accountId,
    amountMinor: -475,
    currency: 'USD',
    postedOn: '2026-03-01',
    description: 'STARBUCKS #1',
    merchant: 'Starbucks',
    category: 'dining',
    externalTransactionId: null,
    reference: null,
    sourceFile: 'nightly.csv',
    lineNumber: 2,
    sourceEventId: crypto.randomUUID(),
  },
});

describe('transactions_warehouse, events in, statements out', () => {
  it('when a batch holds transactions, balances and renames, then one statement per kind, copies dropped by key', () => {
    projectionSpec(transactionsWarehouse)
      .when([cleansed('a'), cleansed('b'), balance('a', 1), balance('a', 2)])
      .then((statements) => {
        expect(statements).toHaveLength(2);
        expect(statements[0]!.sql).toMatch(/on conflict \(transaction_id\) do nothing/);
        // The same two rows as the SQL's column arrays and as rows for COPY, column for column.
        expect(statements[0]!.params[0]).toHaveLength(2);
        expect(statements[0]!.copy!.rows).toHaveLength(2);
        expect(statements[0]!.copy!.columns).toHaveLength(statements[0]!.params.length);
        expect(statements[0]!.copy!.rows.map((row) => row[0])).toEqual(statements[0]!.params[0]);
        // Only the account's last balance of the batch, with its offset as the version.
        expect(JSON.parse(statements[1]!.params[0] as string)).toEqual([
          expect.objectContaining({ account_id: 'a', balance_minor: 2, balance_seq: '3' }),
        ]);
        expect(statements[1]!.sql).toMatch(/balance_seq < excluded\.balance_seq/);
      });
  });

  it('when a nickname is cleared, then the row holds no nickname', () => {
    projectionSpec(transactionsWarehouse)
      .when([
        {
          type: 'AccountNicknameUpdated',
          metadata: metadata(),
          payload: { accountId: 'a', nickname: '', previousNickname: 'Fund' },
        },
      ])
      .then((statements) =>
        expect(JSON.parse(statements[0]!.params[0] as string)).toEqual([
          { organization_id: 'org-1', account_id: 'a', nickname: null, nickname_seq: '0' },
        ]),
      );
  });

  it('when the batch holds only rejections and connector notices, then nothing is written', () => {
    projectionSpec(transactionsWarehouse)
      .when([
        {
          type: 'TransactionRejected',
          metadata: metadata(),
          payload: {
            accountId: 'a',
            sourceEventId: crypto.randomUUID(),
            sourceFile: null,
            lineNumber: null,
            reasons: [],
          },
        },
      ])
      .thenNothing();
  });
});
