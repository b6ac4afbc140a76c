import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { ImportContext, ImportFile, ImportSummary, SliceImporter } from '../../slices/slice.ts';
import { readCsvRecords } from '../csv/csv-records.ts';
import { ImportRefused } from '../imports/refused.ts';
import { transactionColumns, type TransactionColumns } from './columns.ts';
import { RepeatedLines } from './repeated-lines.ts';
import { transactionsSample } from './sample-file.ts';
import { validateLine } from './validate-line.ts';

/** Events per publish: large enough to fill Kafka's batches, small enough to keep memory flat. */
const BATCH = 2000;

/**
 * Seed 004's nightly transaction files: streamed in constant memory, each line validated (a bad
 * line is reported with its line, column and reason, and the others go on), each good line
 * published as TransactionIngested keyed by its account, with an id derived from the job and the
 * line, so a rerun of the job, or the same file again, publishes nothing new. One batch is sent
 * while the next is parsed.
 */
export const transactionsImporter: SliceImporter = {
  kind: 'transactions',
  doc: 'bank transactions: account_id, date, amount, description[, currency, reference, ...]',
  sample: (lines, seed) => transactionsSample(lines, { seed }),
  async run(file: ImportFile, context: ImportContext): Promise<ImportSummary> {
    const counts = { read: 0, accepted: 0, rejected: 0, duplicate: 0 };
    const repeated = new RepeatedLines();
    let bytesRead = 0;
    let columns: TransactionColumns | undefined;
    let batch: TributaryEvent[] = [];
    let sending: Promise<unknown> = Promise.resolve();
    const send = async () => {
      // One batch in flight while the next lines are parsed: more measured no faster and held more memory.
      await sending;
      const events = batch;
      batch = [];
      sending = context.publisher.publishBatch(events);
    };

    const records = readCsvRecords(file.open(), {
      ...context.config.imports.csv,
      onBytes: (read) => {
        bytesRead = read;
      },
    });
    for await (const record of records) {
      if (!columns) {
        if (record.kind === 'unreadable') throw new ImportRefused(`the header cannot be read: ${record.reason}`, 1);
        const found = transactionColumns(record.fields);
        if ('problem' in found) throw new ImportRefused(found.problem, record.lineNumber);
        columns = found;
        continue;
      }
      counts.read += 1;
      context.progress(counts.read, bytesRead);
      if (record.kind === 'unreadable') {
        counts.rejected += 1;
        context.reject({ lineNumber: record.lineNumber, column: null, reason: record.reason });
        continue;
      }
      const line = validateLine(record.fields, record.lineNumber, columns, file.fileName);
      if (!line.ok) {
        counts.rejected += 1;
        for (const problem of line.problems) context.reject(problem);
        continue;
      }
      counts.accepted += 1;
      if (repeated.seen(line.dedupeKey)) counts.duplicate += 1;
      batch.push({
        type: 'TransactionIngested',
        metadata: context.eventMetadata(`line-${record.lineNumber}`),
        payload: line.payload,
      });
      if (batch.length >= BATCH) await send();
    }
    if (!columns) throw new ImportRefused('the file is empty: it has no header line', 1);
    await send();
    await sending;
    context.progress(counts.read, bytesRead);
    return {
      counts: [
        { name: 'read', value: counts.read },
        { name: 'accepted', value: counts.accepted },
        { name: 'rejected', value: counts.rejected },
        { name: 'duplicate', value: counts.duplicate },
      ],
    };
  },
};
