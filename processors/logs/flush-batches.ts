/** A claimed flush: its object's key and what its entries weigh. */
export interface Claim {
  readonly flushId: string;
  readonly key: string;
  /** Its entries' JSON size, which bounds how many flushes are written together. */
  readonly bytes: number;
}

/** Flushes written in one DuckDB statement stay under this many bytes of JSON (one flush may exceed it alone). */
const BATCH_BYTES = 64 * 1024 * 1024;

/**
 * `claims` in runs of at most BATCH_BYTES of entries, each run holding at least one claim: a flush
 * cycle writes a file per due partition, and one DuckDB statement per run instead of one per file
 * is what makes many small partitions cheap, while the run's JSON stays bounded in memory.
 */
export function batchesOf<T extends Claim>(claims: readonly T[]): T[][] {
  const batches: T[][] = [];
  let bytes = Infinity;
  for (const claim of claims) {
    if (bytes + claim.bytes > BATCH_BYTES) {
      batches.push([]);
      bytes = 0;
    }
    batches.at(-1)!.push(claim);
    bytes += claim.bytes;
  }
  return batches;
}

/** Runs `tasks`, at most `width` at a time; after a failure none starts, and it rejects with it once the started ones settle. */
export async function inParallel(tasks: readonly (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  let failing = false;
  const lanes = Array.from({ length: Math.min(width, tasks.length) }, async () => {
    try {
      while (next < tasks.length && !failing) await tasks[next++]!();
    } catch (error) {
      failing = true;
      throw error;
    }
  });
  const failed = (await Promise.allSettled(lanes)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
