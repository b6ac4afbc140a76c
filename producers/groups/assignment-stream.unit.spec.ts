import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { neverClosed, NOT_UTF8, tooLong } from '../csv/csv-records.ts';
import { assignmentChunks, type AssignmentChunk } from './assignment-stream.ts';

async function read(text: string, chunkLines = 1000): Promise<AssignmentChunk[]> {
  const chunks: AssignmentChunk[] = [];
  // Two-byte pieces: a header or a record split across reads is still read whole.
  const pieces = text.match(/[\s\S]{1,2}/g) ?? [];
  for await (const chunk of assignmentChunks(Readable.from(pieces.map((p) => Buffer.from(p))), chunkLines))
    chunks.push(chunk);
  return chunks;
}

describe('streaming an assignment file', () => {
  it('when the columns come in another order with a BOM and CRLF, then each line is read with its line number', async () => {
    const [chunk] = await read('\uFEFFaction,group_id,member_id\r\nadd,g-1,m-1\r\n\r\nREMOVE, g-2 ,m-2\r\n');
    expect(chunk!.lines).toEqual([
      { lineNumber: 2, memberId: 'm-1', groupId: 'g-1', action: 'add' },
      { lineNumber: 4, memberId: 'm-2', groupId: 'g-2', action: 'remove' },
    ]);
    expect(chunk).toMatchObject({ rejected: [], linesRead: 2 });
  });

  it('when the header lacks a column, names another, is quoted or the file is empty, then the whole file is refused', async () => {
    for (const header of [
      'member_id,group_id',
      'member_id,group,action',
      'member_id,group_id,action,note',
      '"member_id",group_id,action',
      '',
    ])
      await expect(read(`${header}\nm-1,g-1,add\n`), header).rejects.toMatchObject({
        name: 'ImportRefused',
        lineNumber: 1,
        message: expect.stringMatching(/member_id, group_id, action/),
      });
  });

  it('when the file is UTF-16 (a spreadsheet\'s "Unicode text"), then it is refused saying so, not with a garbled header', async () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('member_id,group_id,action\r\nm-1,g-1,add\r\n', 'utf16le'),
    ]);
    const reading = (async () => {
      for await (const chunk of assignmentChunks(Readable.from([utf16]))) void chunk;
    })();
    await expect(reading).rejects.toMatchObject({
      name: 'ImportRefused',
      lineNumber: 1,
      message: 'the file is UTF-16; save it as UTF-8',
    });
  });

  it('when a line is longer than the largest record, quoted or not, then it alone is rejected naming the limit, and the lines after it go on', async () => {
    for (const long of [`m-9,"${'x'.repeat(70_000)}",add`, 'x'.repeat(70_000), `"${'x\n'.repeat(35_000)}"`]) {
      const bytes = Buffer.from(`member_id,group_id,action\nm-1,g-1,add\n${long}\nm-2,g-2,add\nm-3,g-3,remove\n`);
      const chunks: AssignmentChunk[] = [];
      for await (const read of assignmentChunks(Readable.from([bytes]))) chunks.push(read);
      const breaks = long.split('\n').length - 1;
      expect(chunks.flatMap((c) => c.lines.map((line) => line.memberId))).toEqual(['m-1', 'm-2', 'm-3']);
      expect(chunks.flatMap((c) => c.rejected)).toEqual([
        { lineNumber: 3, memberId: null, column: null, reason: tooLong(65_536) },
      ]);
      expect(chunks.flatMap((c) => c.lines.map((line) => line.lineNumber))).toEqual([2, 4 + breaks, 5 + breaks]);
    }
  });

  it('when a quote is never closed, then the line it opened on is rejected naming the lines it took, and the lines before it go on', async () => {
    const chunks = await read('member_id,group_id,action\r\nm-1,g-1,add\r\nm-2,"g-2,add\r\nm-3,g-3,add\r\n');
    expect(chunks.flatMap((c) => c.lines.map((line) => line.memberId))).toEqual(['m-1']);
    expect(chunks.flatMap((c) => c.rejected)).toEqual([
      { lineNumber: 3, memberId: null, column: null, reason: neverClosed(3, 1) },
    ]);
  });

  it('when a line has bytes that are not UTF-8, then it is rejected saying so, and the lines around it go on', async () => {
    const bytes = Buffer.concat([
      Buffer.from('member_id,group_id,action\nm-1,g-1,add\nm-2,g-'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(',add\nm-3,g-1,remove\n'),
    ]);
    const chunks: AssignmentChunk[] = [];
    for await (const read of assignmentChunks(Readable.from([bytes]))) chunks.push(read);
    expect(chunks[0]!.lines.map((line) => line.lineNumber)).toEqual([2, 4]);
    expect(chunks[0]!.rejected).toEqual([{ lineNumber: 3, memberId: null, column: null, reason: NOT_UTF8 }]);
  });

  it('when some lines are bad, then each is reported with its line number, column and reason and the good ones go on', async () => {
    const chunks = await read(
      [
        'member_id,group_id,action',
        'm-1,g-1,add',
        'm-2,g-1',
        'm 3,g-1,add',
        'm-4,g-1,move',
        'm-5,g-1,add,extra',
        'm-6,"g"1",add',
        'm-7,g-2,remove',
      ].join('\n'),
    );
    const lines = chunks.flatMap((c) => c.lines);
    const rejected = chunks.flatMap((c) => c.rejected).sort((a, b) => a.lineNumber - b.lineNumber);
    expect(lines.map((l) => l.lineNumber)).toEqual([2, 8]);
    expect(rejected).toEqual([
      { lineNumber: 3, memberId: 'm-2', column: null, reason: '2 field(s); expected 3' },
      { lineNumber: 4, memberId: null, column: 'member_id', reason: 'member_id is not a valid member id' },
      { lineNumber: 5, memberId: 'm-4', column: 'action', reason: 'action must be add or remove' },
      { lineNumber: 6, memberId: 'm-5', column: null, reason: '4 field(s); expected 3' },
      // A stray quote is text of its cell, so the cell is what is wrong, and the report says which.
      { lineNumber: 7, memberId: 'm-6', column: 'group_id', reason: 'group_id is not a valid group id' },
    ]);
    expect(chunks.at(-1)!.linesRead).toBe(7);
  });

  it('when the file is longer than a chunk, then it comes in chunks that together hold every line once, in order', async () => {
    const body = Array.from({ length: 25 }, (_, i) => `m-${i},g-1,add`).join('\n');
    const chunks = await read(`member_id,group_id,action\n${body}\n`, 10);
    expect(chunks.map((c) => c.lines.length)).toEqual([10, 10, 5]);
    expect(chunks.flatMap((c) => c.lines).map((l) => l.lineNumber)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 2),
    );
    expect(chunks.map((c) => c.linesRead)).toEqual([10, 20, 25]);
  });

  it('when the file is only a header, then there is nothing to do', async () => {
    expect(await read('member_id,group_id,action')).toEqual([{ lines: [], rejected: [], linesRead: 0, bytesRead: 25 }]);
  });
});
