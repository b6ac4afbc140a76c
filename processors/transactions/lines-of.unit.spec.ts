import { describe, expect, it } from 'vitest';
import type { TransactionsIngested } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import { linesOf } from './lines-of.ts';

const jobId = '6f2b8c1e-3a4d-5e6f-8a9b-0c1d2e3f4a5b';
const chunk: TransactionsIngested = {
  type: 'TransactionsIngested',
  metadata: {
    eventId: derivedEventId(jobId, 'chunk-2'),
    occurredAt: new Date('2026-03-02T00:00:00Z'),
    organizationId: 'org-1',
    environment: 'test',
    correlationId: jobId,
    causationId: null,
    actor: 'ops@test',
  },
  payload: {
    bucket: 'bucket-7',
    jobId,
    sourceFile: 'nightly.csv',
    lines: [2, 5].map((lineNumber) => ({
      lineNumber,
      accountId: `acc-${lineNumber}`,
      rawAmount: '-12.50',
      rawDate: '2026-03-01',
      rawDescription: 'STARBUCKS #12',
      rawCurrency: null,
      externalTransactionId: `r-${lineNumber}`,
      rawOtherColumns: { category: 'dining' },
    })),
  },
};

describe('linesOf', () => {
  it('when a chunk is read, then each line is the TransactionIngested the importer published before chunks, id included', () => {
    const [first, second] = linesOf(chunk);
    expect(first).toEqual({
      type: 'TransactionIngested',
      metadata: { ...chunk.metadata, eventId: derivedEventId(jobId, 'line-2') },
      payload: {
        accountId: 'acc-2',
        source: 'csv',
        sourceFile: 'nightly.csv',
        lineNumber: 2,
        rawAmount: '-12.50',
        rawDate: '2026-03-01',
        rawDescription: 'STARBUCKS #12',
        rawCurrency: null,
        externalTransactionId: 'r-2',
        rawOtherColumns: { category: 'dining' },
      },
    });
    expect(second!.metadata.eventId).toBe(derivedEventId(jobId, 'line-5'));
  });

  it('when the event is a single line or something else, then it is itself or nothing', () => {
    const [single] = linesOf(chunk);
    expect(linesOf(single!)).toEqual([single]);
    expect(linesOf({ ...chunk, type: 'AccountBalanceUpdated' } as never)).toEqual([]);
  });
});
