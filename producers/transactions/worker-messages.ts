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
 * Chunks cross threads as the bytes of their JSON, in one transferred buffer rather than a structured
 * clone of every line object. Their cells are strings, numbers and nulls: JSON keeps them exactly.
 * Each line goes as its values, in IngestedLine's order, not as an object: its field names were two
 * thirds of the text, and writing and reading them (and making the objects in JSON.parse) cost about
 * 1.6 µs a line each way against 1.0 as values. The other columns' names go once a chunk, from its
 * first line: every line of a file has the same ones (validateLine makes them from the header).
 *
 *   [[bucket, otherNames, lineNumber, accountId, rawAmount, rawDate, rawDescription, rawCurrency,
 *     externalTransactionId, ...otherValues, lineNumber, ...], ...]
 *
 * The worker writes each chunk's text as the chunker completes it (encodeChunk), so its line objects
 * die young instead of waiting for the handover, and joins the texts of a handover (encodeHandover).
 */
export function encodeChunk(chunk: Chunk): string {
  const names: string[] = [];
  const first = chunk.lines[0];
  if (first) for (const name in first.rawOtherColumns) names.push(name);
  const values: unknown[] = [chunk.bucket, names];
  for (const line of chunk.lines) {
    values.push(
      line.lineNumber,
      line.accountId,
      line.rawAmount,
      line.rawDate,
      line.rawDescription,
      line.rawCurrency,
      line.externalTransactionId,
    );
    let count = 0;
    for (const name in line.rawOtherColumns) {
      if (name !== names[count]) throw otherColumnsDiffer(line.lineNumber);
      values.push(line.rawOtherColumns[name]);
      count += 1;
    }
    if (count !== names.length) throw otherColumnsDiffer(line.lineNumber);
  }
  return JSON.stringify(values);
}

/** The fields every line has, before its other columns' values: lineNumber to externalTransactionId. */
const FIXED_FIELDS = 7;

const otherColumnsDiffer = (lineNumber: number) =>
  new Error(`line ${lineNumber}'s other columns differ from the first line's`);

/** A handover's chunks (each encodeChunk's text), as the bytes to transfer. */
export function encodeHandover(encodedChunks: readonly string[]): ArrayBuffer {
  const bytes = encoder.encode(`[${encodedChunks.join(',')}]`);
  // TextEncoder's array owns its whole buffer; the check keeps a change of that from sending extra bytes.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}

export function encodeChunks(chunks: readonly Chunk[]): ArrayBuffer {
  return encodeHandover(chunks.map(encodeChunk));
}

/** A chunk as the main thread gets it back. */
export interface HandedChunk {
  readonly bucket: string;
  readonly lines: IngestedLine[];
}

/** The chunks encodeChunks (or encodeHandover) wrote, their lines as the objects they were (same fields, same order). */
export function decodeChunks(data: ArrayBuffer): HandedChunk[] {
  const encoded = JSON.parse(decoder.decode(data)) as unknown[][];
  const chunks: HandedChunk[] = [];
  for (const values of encoded) {
    const names = values[1] as string[];
    const width = FIXED_FIELDS + names.length;
    const lines: IngestedLine[] = [];
    for (let i = 2; i < values.length; i += width) {
      const rawOtherColumns: Record<string, string> = {};
      for (let n = 0; n < names.length; n += 1) rawOtherColumns[names[n]!] = values[i + FIXED_FIELDS + n] as string;
      lines.push({
        lineNumber: values[i] as number,
        accountId: values[i + 1] as string,
        rawAmount: values[i + 2] as string,
        rawDate: values[i + 3] as string,
        rawDescription: values[i + 4] as string,
        rawCurrency: values[i + 5] as string | null,
        externalTransactionId: values[i + 6] as string | null,
        rawOtherColumns,
      });
    }
    chunks.push({ bucket: values[0] as string, lines });
  }
  return chunks;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
