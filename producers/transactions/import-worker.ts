import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import type { RejectedLine } from '../../slices/slice.ts';
import { ImportRefused } from '../imports/refused.ts';
import { readTransactionChunks, type LineCounts } from './read-chunks.ts';
import {
  encodeChunk,
  encodeHandover,
  HANDOVER_LINES,
  HANDOVERS_AHEAD,
  type FromWorker,
  type ToWorker,
  type WorkerInput,
} from './worker-messages.ts';

/**
 * The transactions import's worker thread (started by importer.ts through import-worker.mjs): reads
 * the file's bytes from the main thread, parses, validates and chunks them (readTransactionChunks),
 * and hands the chunks back as transferred buffers for the main thread to publish, at most
 * HANDOVERS_AHEAD handovers ahead of Kafka's acks. A file refused whole is a 'refused' message; any
 * other error is thrown, which ends the thread with it (the main thread fails the job).
 */
const port = parentPort!;
const { csv } = workerData as WorkerInput;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

// Asks for the next piece while up to 256 KiB are still to parse, so the parser never waits for the main
// thread's answer (it may be busy publishing) or for the file's read.
const source = new Readable({
  highWaterMark: 256 * 1024,
  read: () => post({ type: 'more' }),
});
let unacknowledged = 0;
let acknowledged: (() => void) | undefined;
port.on('message', (message: ToWorker) => {
  if (message.type === 'bytes') source.push(Buffer.from(message.data));
  else if (message.type === 'end') source.push(null);
  else {
    unacknowledged -= 1;
    acknowledged?.();
    acknowledged = undefined;
  }
});

// Each chunk's text, written as the chunker completes it (its line objects die young).
let chunks: string[] = [];
let chunkLines = 0;
let rejected: RejectedLine[] = [];
const handOver = async (counts: LineCounts, bytesRead: number, last: boolean) => {
  const full = chunkLines >= HANDOVER_LINES || (last && chunkLines > 0);
  if (!full) {
    post({ type: 'progress', counts: { ...counts }, bytesRead, rejected });
    rejected = [];
    return;
  }
  while (unacknowledged >= HANDOVERS_AHEAD) await new Promise<void>((resolve) => (acknowledged = resolve));
  const data = encodeHandover(chunks);
  post({ type: 'progress', counts: { ...counts }, bytesRead, rejected, chunks: data }, [data]);
  unacknowledged += 1;
  chunks = [];
  chunkLines = 0;
  rejected = [];
};

async function run(): Promise<void> {
  let bytesRead = 0;
  const counts = await readTransactionChunks(source, csv, {
    chunk: (chunk) => {
      chunks.push(encodeChunk(chunk));
      chunkLines += chunk.lines.length;
    },
    reject: (line) => rejected.push(line),
    piece: (counts, read) => {
      bytesRead = read;
      return handOver(counts, read, false);
    },
  });
  await handOver(counts, bytesRead, true);
  post({ type: 'done', counts });
}

// No top-level await: the entry loads this module with require (see import-worker.cjs).
run().catch((error: unknown) => {
  if (!(error instanceof ImportRefused)) throw error;
  post({ type: 'refused', reason: error.message, lineNumber: error.lineNumber });
});
