import type { IngestedLine } from '../../schemas/generated/events.ts';
import { lineFingerprint } from './repeated-lines.ts';

/** Buckets the accounts hash to: each is a Kafka key, so enough to spread over any partition count. */
export const BUCKETS = 64;
/** Lines in a chunk, or fewer when they hold CHUNK_BYTES of text. */
export const CHUNK_LINES = 250;
/**
 * Lines held across all buckets: past it the fullest bucket goes as it is. A line held across a
 * young-generation collection or two is promoted to V8's old space, which then grows until a full
 * collection: holding up to 64 × 500 lines made the import process's peak RSS 335 MiB, 4,000 lines
 * 316 MiB, 1,500 lines 290 MiB (500k lines, 165 MiB of it before the job), at the same speed.
 */
export const HELD_LINES = 1500;
// Far under transactions.raw's max.message.bytes (1 MiB), whatever the lines' lengths.
const CHUNK_BYTES = 256 * 1024;

export interface Chunk {
  /** The topic key: `bucket-<n>`. */
  readonly bucket: string;
  readonly lines: readonly IngestedLine[];
}

/**
 * Seed 004's chunker: groups a file's lines by the bucket their account hashes to, and hands over a
 * chunk when a bucket is full. Every line of an account is in one bucket, whose key always lands on
 * one partition, so an account's lines stay in file order there, whatever the partition count.
 * Chunks depend on the file alone (never on timing), so a rerun of the job makes the same chunks,
 * with the same ids. At most HELD_LINES lines are held.
 */
export class Chunker {
  private readonly buckets: { lines: IngestedLine[]; bytes: number }[] = Array.from({ length: BUCKETS }, () => ({
    lines: [],
    bytes: 0,
  }));
  private held = 0;

  /** Adds a line; returns the chunk it completes, if any. */
  add(line: IngestedLine): Chunk | undefined {
    const index = bucketOf(line.accountId);
    const bucket = this.buckets[index]!;
    bucket.lines.push(line);
    bucket.bytes += line.rawDescription.length + line.rawAmount.length + line.rawDate.length + 64;
    for (const name in line.rawOtherColumns) bucket.bytes += name.length + line.rawOtherColumns[name]!.length + 8;
    this.held += 1;
    if (bucket.lines.length >= CHUNK_LINES || bucket.bytes >= CHUNK_BYTES) return this.take(index);
    if (this.held >= HELD_LINES) return this.take(this.fullest());
    return undefined;
  }

  /** What is left in the buckets, at the end of the file. */
  *rest(): Generator<Chunk> {
    for (let index = 0; index < BUCKETS; index += 1) if (this.buckets[index]!.lines.length > 0) yield this.take(index);
  }

  private fullest(): number {
    let fullest = 0;
    for (let index = 1; index < BUCKETS; index += 1)
      if (this.buckets[index]!.lines.length > this.buckets[fullest]!.lines.length) fullest = index;
    return fullest;
  }

  private take(index: number): Chunk {
    const bucket = this.buckets[index]!;
    this.held -= bucket.lines.length;
    const chunk = { bucket: `bucket-${index}`, lines: bucket.lines };
    bucket.lines = [];
    bucket.bytes = 0;
    return chunk;
  }
}

export function bucketOf(accountId: string): number {
  return lineFingerprint(accountId) % BUCKETS;
}
