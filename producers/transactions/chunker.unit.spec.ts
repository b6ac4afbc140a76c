import { describe, expect, it } from 'vitest';
import type { IngestedLine } from '../../schemas/generated/events.ts';
import { BUCKETS, bucketOf, CHUNK_LINES, Chunker, type Chunk } from './chunker.ts';

const line = (lineNumber: number, accountId: string, rawDescription = 'COFFEE'): IngestedLine => ({
  lineNumber,
  accountId,
  rawAmount: '-1.00',
  rawDate: '2026-03-01',
  rawDescription,
  rawCurrency: 'USD',
  externalTransactionId: null,
  rawOtherColumns: {},
});

function chunksOf(lines: readonly IngestedLine[]): Chunk[] {
  const chunker = new Chunker();
  const chunks: Chunk[] = [];
  for (const l of lines) {
    const full = chunker.add(l);
    if (full) chunks.push(full);
  }
  return [...chunks, ...chunker.rest()];
}

describe('Chunker', () => {
  const accounts = Array.from({ length: 300 }, (_, i) => `acc-${i}`);
  const lines = Array.from({ length: 20_000 }, (_, i) => line(i + 2, accounts[(i * 7919) % accounts.length]!));

  it('when a file is chunked, then every line is in exactly one chunk and each chunk holds one bucket', () => {
    const chunks = chunksOf(lines);
    expect(chunks.flatMap((c) => c.lines.map((l) => l.lineNumber)).sort((a, b) => a - b)).toEqual(
      lines.map((l) => l.lineNumber),
    );
    expect(chunks.every((c) => c.lines.length > 0 && c.lines.length <= CHUNK_LINES)).toBe(true);
    const strays = chunks.flatMap((c) => c.lines.filter((l) => `bucket-${bucketOf(l.accountId)}` !== c.bucket));
    expect(strays).toEqual([]);
  });

  it('when chunks are published in the order they are made, then each account reads its lines in file order', () => {
    const seen = new Map<string, number>();
    const outOfOrder: number[] = [];
    for (const chunk of chunksOf(lines))
      for (const l of chunk.lines) {
        if (l.lineNumber <= (seen.get(l.accountId) ?? 0)) outOfOrder.push(l.lineNumber);
        seen.set(l.accountId, l.lineNumber);
      }
    expect(outOfOrder).toEqual([]);
    expect(seen.size).toBe(accounts.length);
  });

  it('when the same file is chunked twice, then the chunks are the same (a rerun makes the same chunk ids)', () => {
    const key = (chunks: Chunk[]) => chunks.map((c) => `${c.bucket}:${c.lines.map((l) => l.lineNumber).join(',')}`);
    expect(key(chunksOf(lines))).toEqual(key(chunksOf(lines)));
  });

  it('when lines are long, then a chunk closes on its bytes before its line count', () => {
    const long = Array.from({ length: 400 }, (_, i) => line(i + 2, 'acc-1', 'X'.repeat(1000)));
    const chunks = chunksOf(long);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((c) => c.lines.length))).toBeLessThan(400);
  });

  it('when accounts are many, then they spread over every bucket', () => {
    const many = Array.from({ length: 2000 }, (_, i) => `acc-${String(i).padStart(5, '0')}`);
    const sizes = new Map<number, number>();
    for (const account of many) sizes.set(bucketOf(account), (sizes.get(bucketOf(account)) ?? 0) + 1);
    expect(sizes.size).toBe(BUCKETS);
    expect(Math.max(...sizes.values())).toBeLessThan((3 * many.length) / BUCKETS);
  });
});
