import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { RejectedLine } from '../../slices/slice.ts';
import { ImportRefused } from '../imports/refused.ts';
import type { LineCounts } from './read-chunks.ts';
import { decodeChunks, type FromWorker, type HandedChunk, type ToWorker, type WorkerInput } from './worker-messages.ts';

/**
 * The worker's V8 heap, bounded: it holds the chunker's lines (at most HELD_LINES), a few handovers
 * and csv-parse's current record (at most 1 MiB of text); the repeated-lines table (16 MiB) is a
 * typed array, outside it. Past the limit the worker ends with ERR_WORKER_OUT_OF_MEMORY and the job fails.
 */
export const WORKER_HEAP_MB = 96;

const ENTRY = new URL('./import-worker.cjs', import.meta.url);

/** What the main thread does with the worker's output. */
export interface ThreadHandlers {
  /** Publishes one or more handovers' chunks, in file order; the next call waits for it to resolve. */
  publish(chunks: readonly HandedChunk[]): Promise<void>;
  reject(line: RejectedLine): void;
  progress(linesRead: number, bytesRead: number): void;
}

/**
 * The worker thread ended other than by finishing the file or refusing it (an exception, its heap
 * exhausted). An ImportRefused, so the job ends `failed` with this reason (ImportFailed) rather than
 * left running to be retried: what crashed it is in the file or in the code, and would again.
 */
export class ImportWorkerFailed extends ImportRefused {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(`the import's worker thread failed: ${message}`);
    this.name = 'ImportWorkerFailed';
    this.cause = options.cause;
  }
}

/**
 * Runs the reading half of a transactions import on a worker thread (import-worker.ts) and the
 * publishing half here: this thread feeds it the file's bytes as it asks for them, publishes the
 * chunks it hands over (one publish at a time, whatever waits going together), and tells it each
 * acknowledgement, which is what lets it read on. Resolves with the counts once every chunk is on
 * Kafka. Rejects with ImportRefused for a file refused whole, with the source's own error when the
 * file cannot be read, with the publisher's when Kafka refuses, and with ImportWorkerFailed when the
 * thread crashes; the thread is stopped in every case.
 */
export function importOnWorker(
  bytes: Readable,
  input: WorkerInput,
  handlers: ThreadHandlers,
  options: { readonly heapMb?: number } = {},
): Promise<LineCounts> {
  const worker = new Worker(ENTRY, {
    workerData: input,
    // Its young generation small too: almost all it allocates dies within a piece of the file.
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? WORKER_HEAP_MB, maxYoungGenerationSizeMb: 8 },
  });
  const send = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  const file = bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const waiting: ArrayBuffer[] = [];
  let publishing = false;
  let done: LineCounts | undefined;
  let settled = false;

  return new Promise<LineCounts>((resolve, reject) => {
    const settle = (error: unknown, counts?: LineCounts) => {
      if (settled) return;
      settled = true;
      if (error) bytes.destroy();
      void worker.terminate();
      if (error) reject(error);
      else resolve(counts!);
    };
    const readMore = () => {
      file.next().then(({ done: end, value }) => {
        if (settled) return;
        if (end) return send({ type: 'end' });
        const data = ownBuffer(value);
        send({ type: 'bytes', data }, [data]);
      }, settle);
    };
    const publishWaiting = () => {
      if (publishing || settled) return;
      if (waiting.length === 0) {
        if (done) settle(undefined, done);
        return;
      }
      const handovers = waiting.splice(0);
      const chunks = handovers.flatMap(decodeChunks);
      publishing = true;
      handlers.publish(chunks).then(() => {
        publishing = false;
        if (settled) return;
        for (let i = 0; i < handovers.length; i += 1) send({ type: 'published' });
        publishWaiting();
      }, settle);
    };
    worker.on('message', (message: FromWorker) => {
      if (settled) return;
      switch (message.type) {
        case 'more':
          return readMore();
        case 'progress':
          for (const line of message.rejected) handlers.reject(line);
          if (message.chunks) {
            waiting.push(message.chunks);
            publishWaiting();
          }
          return handlers.progress(message.counts.read, message.bytesRead);
        case 'done':
          done = message.counts;
          return publishWaiting();
        case 'refused':
          return settle(new ImportRefused(message.reason, message.lineNumber));
      }
    });
    worker.on('error', (error) => settle(new ImportWorkerFailed(error.message, { cause: error })));
    worker.on('exit', (code) => settle(new ImportWorkerFailed(`it exited (code ${code}) before the end of the file`)));
  });
}

/** The chunk's bytes in an ArrayBuffer of their own, to transfer: a stream's Buffer may be a view of a shared pool. */
function ownBuffer(chunk: Buffer): ArrayBuffer {
  if (
    chunk.byteOffset === 0 &&
    chunk.byteLength === chunk.buffer.byteLength &&
    !(chunk.buffer instanceof SharedArrayBuffer)
  )
    return chunk.buffer as ArrayBuffer;
  return new Uint8Array(chunk).slice().buffer;
}
