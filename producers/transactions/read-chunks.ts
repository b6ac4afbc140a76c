import type { Readable } from 'node:stream';
import type { RejectedLine } from '../../slices/slice.ts';
import { readCsvBatches, type CsvReadOptions } from '../csv/csv-records.ts';
import { ImportRefused } from '../imports/refused.ts';
import { Chunker, type Chunk } from './chunker.ts';
import { transactionColumns, type TransactionColumns } from './columns.ts';
import { RepeatedLines } from './repeated-lines.ts';
import { validateLine } from './validate-line.ts';

export interface LineCounts {
  read: number;
  accepted: number;
  rejected: number;
  duplicate: number;
}

/** Where the reading side of an import hands what it makes. */
export interface ChunkSink {
  /** A full chunk of good lines, in the order the chunker completes them. */
  chunk(chunk: Chunk): void;
  reject(line: RejectedLine): void;
  /** After each parsed piece of the file (about 64 KiB); the reading waits for it (backpressure). */
  piece(counts: Readonly<LineCounts>, bytesRead: number): void | Promise<void>;
}

/**
 * The reading half of a transactions import: the file parsed (csv-parse), each line validated, repeats
 * counted and the good lines chunked by bucket. Throws ImportRefused for a file refused whole (an
 * unreadable header, wrong columns, an empty file). Publishes nothing: it runs on the import's worker
 * thread (import-worker.ts), which hands the chunks to the main thread to publish.
 */
export async function readTransactionChunks(
  bytes: Readable,
  csv: Omit<CsvReadOptions, 'onBytes'>,
  sink: ChunkSink,
): Promise<LineCounts> {
  const counts: LineCounts = { read: 0, accepted: 0, rejected: 0, duplicate: 0 };
  const repeated = new RepeatedLines();
  const chunker = new Chunker();
  let bytesRead = 0;
  let columns: TransactionColumns | undefined;
  const batches = readCsvBatches(bytes, {
    ...csv,
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
        sink.reject({ lineNumber: record.lineNumber, column: null, reason: record.reason });
        continue;
      }
      const line = validateLine(record.fields, record.lineNumber, columns);
      if (!line.ok) {
        counts.rejected += 1;
        for (const problem of line.problems) sink.reject(problem);
        continue;
      }
      counts.accepted += 1;
      if (repeated.seen(line.fingerprint)) counts.duplicate += 1;
      const full = chunker.add(line.line);
      if (full) sink.chunk(full);
    }
    await sink.piece(counts, bytesRead);
  }
  if (!columns) throw new ImportRefused('the file is empty: it has no header line', 1);
  for (const chunk of chunker.rest()) sink.chunk(chunk);
  return counts;
}
