import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { ImportContext, ImportFile, ImportSummary, SliceImporter } from '../../slices/slice.ts';
import { readCsvBatches } from '../csv/csv-records.ts';
import { ImportRefused } from '../imports/refused.ts';
import { transactionColumns, type TransactionColumns } from './columns.ts';
import { Chunker, type Chunk } from './chunker.ts';
import { RepeatedLines } from './repeated-lines.ts';
import { transactionsSample } from './sample-file.ts';
import { validateLine } from './validate-line.ts';

/** Lines per publish, one publish in flight: large enough to fill Kafka's requests, small enough that its lines die young (see HELD_LINES). */
const BATCH_LINES = 1000;

/**
 * Seed 004's nightly transaction files: streamed in constant memory, each line validated (a bad
 * line is reported with its line, column and reason, and the others go on), the good lines
 * chunked by the bucket their account hashes to and published as TransactionsIngested, one Kafka
 * record for up to CHUNK_LINES lines (one record a line capped the import at a fraction of reading
 * the file). The chunk's id derives from the job and its first line, and each line's from the job
 * and the line, so a rerun of the job, or the same file again, publishes nothing new. One batch is
 * sent while the next is parsed.
 */
export const transactionsImporter: SliceImporter = {
  kind: 'transactions',
  doc: 'bank transactions: account_id, date, amount, description[, currency, reference, ...]',
  sample: (lines, seed) => transactionsSample(lines, { seed }),
  async run(file: ImportFile, context: ImportContext): Promise<ImportSummary> {
    const counts = { read: 0, accepted: 0, rejected: 0, duplicate: 0 };
    const repeated = new RepeatedLines();
    const chunker = new Chunker();
    let bytesRead = 0;
    let columns: TransactionColumns | undefined;
    let batch: TributaryEvent[] = [];
    let batchLines = 0;
    let sending: Promise<unknown> = Promise.resolve();
    const publish = async (chunk: Chunk) => {
      batch.push({
        type: 'TransactionsIngested',
        metadata: context.eventMetadata(`chunk-${chunk.lines[0]!.lineNumber}`),
        payload: { bucket: chunk.bucket, jobId: file.jobId, sourceFile: file.fileName, lines: chunk.lines },
      });
      batchLines += chunk.lines.length;
      if (batchLines >= BATCH_LINES) await send();
    };
    const send = async () => {
      // One batch in flight while the next lines are parsed: more measured no faster and held more memory.
      await sending;
      const events = batch;
      batch = [];
      batchLines = 0;
      sending = context.publisher.publishBatch(events);
    };

    const batches = readCsvBatches(file.open(), {
      ...context.config.imports.csv,
      onBytes: (read) => {
        bytesRead = read;
      },
    });
    for await (const batch of batches) {
      for (const record of batch) {
        if (!columns) {
          if (record.kind === 'unreadable') throw new ImportRefused(`the header cannot be read: ${record.reason}`, 1);
          const found = transactionColumns(record.fields);
          if ('problem' in found) throw new ImportRefused(found.problem, record.lineNumber);
          columns = found;
          continue;
        }
        counts.read += 1;
        if (record.kind === 'unreadable') {
          counts.rejected += 1;
          context.reject({ lineNumber: record.lineNumber, column: null, reason: record.reason });
          continue;
        }
        const line = validateLine(record.fields, record.lineNumber, columns);
        if (!line.ok) {
          counts.rejected += 1;
          for (const problem of line.problems) context.reject(problem);
          continue;
        }
        counts.accepted += 1;
        if (repeated.seen(line.fingerprint)) counts.duplicate += 1;
        const full = chunker.add(line.line);
        if (full) await publish(full);
      }
      // Once a batch (about 64 KiB of the file): per line it was a call and an object each.
      context.progress(counts.read, bytesRead);
    }
    if (!columns) throw new ImportRefused('the file is empty: it has no header line', 1);
    for (const chunk of chunker.rest()) await publish(chunk);
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
