import { describe, expect, it } from 'vitest';
import type { Chunk } from './chunker.ts';
import { decodeChunks, encodeChunks } from './worker-messages.ts';

const line = (lineNumber: number, others: Record<string, string>, overrides: object = {}) => ({
  lineNumber,
  accountId: `acc-${lineNumber}`,
  rawAmount: '-12.50',
  rawDate: '2026-03-01',
  rawDescription: 'TRADER JOE\'S #12 "quoted", comma\nand a line break, é ✓',
  rawCurrency: 'USD',
  externalTransactionId: `t-${lineNumber}`,
  rawOtherColumns: others,
  ...overrides,
});

describe('encodeChunks and decodeChunks', () => {
  it('when chunks cross as values, then they read back as the same lines, field for field and in order', () => {
    const chunks: Chunk[] = [
      {
        bucket: 'bucket-3',
        lines: [
          line(2, { category: 'groceries', note: '' }),
          line(5, { category: '', note: 'x' }, { rawCurrency: null, externalTransactionId: null }),
        ],
      },
      { bucket: 'bucket-60', lines: [line(4, { category: '{"a":1}', note: '\u0000' })] },
    ];

    const decoded = decodeChunks(encodeChunks(chunks));

    expect(decoded).toStrictEqual(chunks);
    expect(Object.keys(decoded[0]!.lines[0]!)).toEqual(Object.keys(chunks[0]!.lines[0]!));
    expect(Object.keys(decoded[0]!.lines[0]!.rawOtherColumns)).toEqual(['category', 'note']);
  });

  it('when a file has no other columns, then each line reads back with an empty rawOtherColumns', () => {
    const chunks: Chunk[] = [{ bucket: 'bucket-0', lines: [line(2, {}), line(3, {})] }];

    expect(decodeChunks(encodeChunks(chunks))).toStrictEqual(chunks);
  });

  it('when a line has other columns than the first line, then encoding refuses rather than shift its values', () => {
    const chunks: Chunk[] = [{ bucket: 'bucket-0', lines: [line(2, { category: 'a' }), line(3, { note: 'b' })] }];

    expect(() => encodeChunks(chunks)).toThrow(/line 3's other columns differ/);
  });
});
