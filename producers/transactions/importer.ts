import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { ImportContext, ImportFile, ImportSummary, SliceImporter } from '../../slices/slice.ts';
import { importOnWorker } from './import-thread.ts';
import { transactionsSample } from './sample-file.ts';

/**
 * Seed 004's nightly transaction files: streamed in constant memory, each line validated (a bad
 * line is reported with its line, column and reason, and the others go on), the good lines
 * chunked by the bucket their account hashes to and published as TransactionsIngested, one Kafka
 * record for up to CHUNK_LINES lines (one record a line capped the import at a fraction of reading
 * the file). The chunk's id derives from the job and its first line, and each line's from the job
 * and the line, so a rerun of the job, or the same file again, publishes nothing new.
 *
 * Two threads: a worker reads, parses, validates and chunks the file (read-chunks.ts, on
 * import-worker.ts) while this thread publishes what it hands over and keeps the job's progress and
 * report (import-thread.ts); on one thread the two halves, about equal in CPU, took turns.
 */
export const transactionsImporter: SliceImporter = {
  kind: 'transactions',
  doc: 'bank transactions: account_id, date, amount, description[, currency, reference, ...]',
  sample: (lines, seed) => transactionsSample(lines, { seed }),
  async run(file: ImportFile, context: ImportContext): Promise<ImportSummary> {
    const { encoding, delimiter } = context.config.imports.csv;
    const counts = await importOnWorker(
      file.open(),
      { csv: { encoding, delimiter } },
      {
        publish: async (chunks) => {
          const events: TributaryEvent[] = chunks.map((chunk) => ({
            type: 'TransactionsIngested',
            metadata: context.eventMetadata(`chunk-${chunk.lines[0]!.lineNumber}`),
            payload: { bucket: chunk.bucket, jobId: file.jobId, sourceFile: file.fileName, lines: chunk.lines },
          }));
          await context.publisher.publishBatch(events);
        },
        reject: (line) => context.reject(line),
        progress: (linesRead, bytesRead) => context.progress(linesRead, bytesRead),
      },
    );
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
