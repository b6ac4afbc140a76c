import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  MERGED,
  neverClosed,
  NOT_UTF8,
  readCsvBatches,
  readCsvRecords,
  tooLong,
  type CsvRecord,
} from './csv-records.ts';

/** The records of `bytes` fed in chunks of `chunkSize`, with the largest record `maxRecordBytes` when given. */
async function records(bytes: Buffer | string, chunkSize = 7, maxRecordBytes?: number): Promise<CsvRecord[]> {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunkSize) chunks.push(buffer.subarray(i, i + chunkSize));
  const options = { encoding: 'auto', delimiter: 'auto', ...(maxRecordBytes ? { maxRecordBytes } : {}) } as const;
  const out: CsvRecord[] = [];
  for await (const record of readCsvRecords(Readable.from(chunks), options)) out.push(record);
  return out;
}

describe('readCsvRecords', () => {
  it('when cells hold quoted line breaks (LF or CRLF), then later records keep their true line numbers', async () => {
    for (const eol of ['\n', '\r\n']) {
      const text = ['account_id,description', `A,"two${eol}lines"`, '', 'B,after'].join(eol) + eol;
      expect(await records(text)).toEqual([
        { kind: 'record', lineNumber: 1, fields: ['account_id', 'description'] },
        { kind: 'record', lineNumber: 2, fields: ['A', `two${eol}lines`] },
        { kind: 'record', lineNumber: 5, fields: ['B', 'after'] },
      ]);
    }
  });

  it('when a line has a stray quote, then the quote is text of its cell and the lines after it come, in order', async () => {
    const text = 'a,b\r\n1,ok\r\n2,bad"quote\r\n3,12" PIZZA "LARGE"\r\n4,fine\r\n';
    expect(await records(text)).toEqual([
      { kind: 'record', lineNumber: 1, fields: ['a', 'b'] },
      { kind: 'record', lineNumber: 2, fields: ['1', 'ok'] },
      { kind: 'record', lineNumber: 3, fields: ['2', 'bad"quote'] },
      { kind: 'record', lineNumber: 4, fields: ['3', '12" PIZZA "LARGE"'] },
      { kind: 'record', lineNumber: 5, fields: ['4', 'fine'] },
    ]);
  });

  it('when text follows a closing quote, then that cell keeps it and every line after it comes (csv-parse, strict, lost them)', async () => {
    const text = 'a,b\n1,LINE2\n2,"bad"x\n3,LINE4\n4,LINE5\n5,"quoted, fine"\n';
    expect(await records(text)).toEqual([
      { kind: 'record', lineNumber: 1, fields: ['a', 'b'] },
      { kind: 'record', lineNumber: 2, fields: ['1', 'LINE2'] },
      { kind: 'record', lineNumber: 3, fields: ['2', '"bad"x'] },
      { kind: 'record', lineNumber: 4, fields: ['3', 'LINE4'] },
      { kind: 'record', lineNumber: 5, fields: ['4', 'LINE5'] },
      { kind: 'record', lineNumber: 6, fields: ['5', 'quoted, fine'] },
    ]);
  });

  it('when one stray quote has no other after it for more than the largest record, then no line is taken into an over-long one', async () => {
    // The length guard reads quotes as the parser does: this one is text, not the start of a quoted cell.
    const lines = ['a,b', '1,12" PIZZA', ...Array.from({ length: 40 }, (_, i) => `${i + 2},plain line`), '42,"quoted"'];
    const text = `${lines.join('\r\n')}\r\n`;
    const out = await records(text, text.length, 100);
    expect(out.filter((r) => r.kind === 'unreadable')).toEqual([]);
    expect(out).toHaveLength(lines.length);
    expect(out[1]).toEqual({ kind: 'record', lineNumber: 2, fields: ['1', '12" PIZZA'] });
    expect(out.at(-1)).toEqual({ kind: 'record', lineNumber: 43, fields: ['42', 'quoted'] });
  });

  it('when a cell’s quote is not closed on its line and a later quote closes it mid-cell, then that record is unreadable, not imported merged', async () => {
    const text = 'a,b,c\nA1,"Best pizza,USD\nA2,Joe\'s "cafe",USD\nA3,fine,USD\n';
    const out = await records(text);
    expect(out[1]).toEqual({ kind: 'unreadable', lineNumber: 2, reason: MERGED });
    expect(out[2]).toEqual({ kind: 'record', lineNumber: 4, fields: ['A3', 'fine', 'USD'] });
  });

  it('when stray and doubled quotes fall on chunk edges, in a file with another delimiter, then the guard reads them as the parser does', async () => {
    // A stray quote after a comma is text in a semicolon file; the guard must not think a cell opened there.
    const lines = [
      'a;b',
      '1;Size,"PIZZA',
      ...Array.from({ length: 30 }, (_, i) => `${i + 2};plain`),
      '32;"say ""hi"""',
    ];
    for (const chunkSize of [1, 2, 3, 7]) {
      const out = await records(`${lines.join('\n')}\n`, chunkSize, 100);
      expect(
        out.filter((r) => r.kind === 'unreadable'),
        `chunks of ${chunkSize}`,
      ).toEqual([]);
      expect(out).toHaveLength(lines.length);
      expect(out.at(-1)).toEqual({ kind: 'record', lineNumber: 33, fields: ['32', 'say "hi"'] });
    }
  });

  it('when a quoted cell is never closed, then the file ends with an unreadable line, not an error', async () => {
    const result = await records('a,b\n1,"open\n');
    expect(result.at(-1)).toEqual({ kind: 'unreadable', lineNumber: 2, reason: 'a quoted cell is never closed' });
  });

  it('when a quote left open takes in the lines after it, then the line it opened on is named, with the lines it took', async () => {
    for (const eol of ['\n', '\r\n'])
      for (const end of [eol, '']) {
        const text = ['a,b', '1,2', '', '3,"open', '4,5', '6,7'].join(eol) + end;
        expect(await records(text), JSON.stringify(text)).toEqual([
          { kind: 'record', lineNumber: 1, fields: ['a', 'b'] },
          { kind: 'record', lineNumber: 2, fields: ['1', '2'] },
          { kind: 'unreadable', lineNumber: 4, reason: neverClosed(4, 2) },
        ]);
      }
    expect(neverClosed(4, 2)).toBe(
      'a quoted cell is never closed: lines 4 to 6 (the end of the file) were read into it as one line',
    );
  });

  it('when a CR-only file has a quote left open, then the lines before it are still read', async () => {
    const result = await records('a,b\r1,2\r3,"open\r4,5\r');
    expect(result.slice(0, 2)).toEqual([
      { kind: 'record', lineNumber: 1, fields: ['a', 'b'] },
      { kind: 'record', lineNumber: 2, fields: ['1', '2'] },
    ]);
    expect(result.at(-1)).toMatchObject({ kind: 'unreadable', reason: 'a quoted cell is never closed' });
  });

  it('when a quote left open takes in more than the largest record, then it is still named where it opened', async () => {
    const text = `a,b\n1,2\n3,"open\n${'x,y\n'.repeat(1000)}9,9\n`;
    const result = await records(text, 4096, 1024);
    expect(result.slice(1)).toEqual([
      { kind: 'record', lineNumber: 2, fields: ['1', '2'] },
      { kind: 'unreadable', lineNumber: 3, reason: neverClosed(3, 1001) },
    ]);
  });

  it('when a file that reads as UTF-8 has bytes that are not UTF-8 past its first 64 KiB, then that line is unreadable, named, and not imported with replacement characters', async () => {
    // Blank lines (skipped) fill the head with valid UTF-8, so the file reads as UTF-8.
    const bytes = Buffer.concat([
      Buffer.from(`name,city\nZoë,Zürich\n${'\n'.repeat(70_000)}`),
      Buffer.from([0x42, 0x2c, 0xff, 0xfe, 0x0a]),
      Buffer.from('Ann,Köln\n'),
    ]);
    const result = await records(bytes, 4096);
    expect(result.slice(1)).toEqual([
      { kind: 'record', lineNumber: 2, fields: ['Zoë', 'Zürich'] },
      { kind: 'unreadable', lineNumber: 70_003, reason: NOT_UTF8 },
      { kind: 'record', lineNumber: 70_004, fields: ['Ann', 'Köln'] },
    ]);
  });

  it('when a line is longer than the largest record, quoted over several lines or not, then it alone is unreadable, naming the limit, and every line after it comes with its number', async () => {
    const text = `a,b\n1,2\n${'x'.repeat(300)}\n3,"${'y'.repeat(150)}\n${'y'.repeat(150)}"\n4,"ok\nfine"\n5,6`;
    const read = (chunkSize: number, eol: string) => records(text.replaceAll('\n', eol), chunkSize, 100);
    for (const chunkSize of [7, 64, 4096])
      for (const eol of ['\n', '\r\n'])
        expect(await read(chunkSize, eol), `chunks of ${chunkSize}, ${JSON.stringify(eol)}`).toEqual([
          { kind: 'record', lineNumber: 1, fields: ['a', 'b'] },
          { kind: 'record', lineNumber: 2, fields: ['1', '2'] },
          { kind: 'unreadable', lineNumber: 3, reason: tooLong(100) },
          { kind: 'unreadable', lineNumber: 4, reason: tooLong(100) },
          { kind: 'record', lineNumber: 6, fields: ['4', `ok${eol}fine`] },
          { kind: 'record', lineNumber: 8, fields: ['5', '6'] },
        ]);
  });

  it('when a file spans several pieces, then its batches hold every record once, in order, a stray quote in its cell', async () => {
    const lines = ['account_id,description'];
    for (let i = 1; i <= 5000; i += 1) lines.push(i === 2500 ? `A${i},bad"quote` : `A${i},"line ${i}"`);
    const buffer = Buffer.from(`${lines.join('\r\n')}\r\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < buffer.length; i += 16_384) chunks.push(buffer.subarray(i, i + 16_384));
    const batches: (readonly CsvRecord[])[] = [];
    for await (const batch of readCsvBatches(Readable.from(chunks), { encoding: 'auto', delimiter: 'auto' }))
      batches.push(batch);
    expect(batches.length).toBeGreaterThan(1);
    const records = batches.flat();
    expect(records.map((r) => r.lineNumber)).toEqual(lines.map((_, index) => index + 1));
    expect(records[2500]).toEqual({ kind: 'record', lineNumber: 2501, fields: ['A2500', 'bad"quote'] });
    expect(records[5000]).toEqual({ kind: 'record', lineNumber: 5001, fields: ['A5000', 'line 5000'] });
  });

  it('when the file is Latin-1 with semicolons and a BOM-less header, then its text reads right', async () => {
    const latin1 = Buffer.from('account_id;description\nA;Caf\xe9 cr\xe8me\n', 'latin1');
    expect((await records(latin1))[1]).toEqual({ kind: 'record', lineNumber: 2, fields: ['A', 'Café crème'] });
  });

  it('when a UTF-8 file starts with a BOM and a character spans two chunks, then neither shows', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name\nZoë\n')]);
    expect(await records(bytes, 1)).toEqual([
      { kind: 'record', lineNumber: 1, fields: ['name'] },
      { kind: 'record', lineNumber: 2, fields: ['Zoë'] },
    ]);
  });
});
