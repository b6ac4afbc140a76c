import type { TransactionIngested, TributaryEvent } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';

/**
 * The raw transactions an event carries: a TransactionIngested itself, each line of an importer's
 * chunk (TransactionsIngested) as the TransactionIngested it stands for (the id derived from the
 * job and its line, the chunk's metadata otherwise), and nothing for any other event.
 */
export function linesOf(event: TributaryEvent): TransactionIngested[] {
  if (event.type === 'TransactionIngested') return [event];
  if (event.type !== 'TransactionsIngested') return [];
  const { jobId, sourceFile, lines } = event.payload;
  return lines.map((line) => ({
    type: 'TransactionIngested',
    metadata: { ...event.metadata, eventId: derivedEventId(jobId, `line-${line.lineNumber}`) },
    payload: {
      accountId: line.accountId,
      source: 'csv',
      sourceFile,
      lineNumber: line.lineNumber,
      rawAmount: line.rawAmount,
      rawDate: line.rawDate,
      rawDescription: line.rawDescription,
      rawCurrency: line.rawCurrency,
      externalTransactionId: line.externalTransactionId,
      rawOtherColumns: line.rawOtherColumns,
    },
  }));
}
