import type { IngestedLine } from '../../schemas/generated/events.ts';
import type { RejectedLine } from '../../slices/slice.ts';
import type { CsvReadOptions } from '../csv/csv-records.ts';
import type { Chunk } from './chunker.ts';
import type { LineCounts } from './read-chunks.ts';

/** Lines the worker gathers before handing them over: about one parsed piece's worth, one message. */
export const HANDOVER_LINES = 1000;
/**
 * Handovers the worker may have made that Kafka has not acknowledged yet: past it, the worker stops
 * reading (and so asks the main thread for no more of the file). Memory stays constant whatever the
 * file's size or Kafka's speed; the main thread publishes whatever is waiting in one call, so a slow
 * round trip carries more lines rather than fewer.
 */
export const HANDOVERS_AHEAD = 8;

/** What the worker thread starts with (structured-cloned once). */
export interface WorkerInput {
  readonly csv: Omit<CsvReadOptions, 'onBytes'>;
}

/** Main thread to worker. */
export type ToWorker =
  /** The next piece of the file's bytes, transferred. */
  | { readonly type: 'bytes'; readonly data: ArrayBuffer }
  | { readonly type: 'end' }
  /** One handover's lines are on Kafka: the worker may read one more ahead. */
  | { readonly type: 'published' };

/** Worker to main thread. Every message after the first bytes carries the counts and the bytes read so far. */
export type FromWorker =
  /** The worker wants the next piece of the file (one request at a time). */
  | { readonly type: 'more' }
  | {
      readonly type: 'progress';
      readonly counts: LineCounts;
      readonly bytesRead: number;
      readonly rejected: readonly RejectedLine[];
      /** Encoded chunks (encodeChunks), transferred; absent when this piece completed none worth handing over. */
      readonly chunks?: ArrayBuffer;
    }
  | { readonly type: 'done'; readonly counts: LineCounts }
  | { readonly type: 'refused'; readonly reason: string; readonly lineNumber: number | null };

/**
 * Chunks as the bytes of their JSON, so they cross threads as one transferred buffer rather than a
 * structured clone of every line object. Their cells are strings, numbers and nulls: JSON keeps them exactly.
 */
export function encodeChunks(chunks: readonly Chunk[]): ArrayBuffer {
  const bytes = encoder.encode(JSON.stringify(chunks));
  // TextEncoder's array owns its whole buffer; the check keeps a change of that from sending extra bytes.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}

/** A chunk as the main thread gets it back. */
export interface HandedChunk {
  readonly bucket: string;
  readonly lines: IngestedLine[];
}

export function decodeChunks(data: ArrayBuffer): HandedChunk[] {
  return JSON.parse(decoder.decode(data)) as HandedChunk[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
