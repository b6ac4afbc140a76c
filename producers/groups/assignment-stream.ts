import { pipeline, Readable } from 'node:stream';
import { BatchingParser } from '../csv/batching-parser.ts';
import { neverClosed, NOT_UTF8, tooLong } from '../csv/csv-records.ts';
import { guardMarkOf, RecordLengthGuard } from '../csv/record-length-guard.ts';
import { ImportRefused } from '../imports/refused.ts';
import {
  columnIndexOf,
  headerProblem,
  lineOf,
  type AssignmentLine,
  type ColumnIndex,
  type RejectedLine,
} from './assignment-file.ts';

/** A run of consecutive records of a file: the lines to apply and the lines refused. */
export interface AssignmentChunk {
  readonly lines: AssignmentLine[];
  readonly rejected: RejectedLine[];
  /** Data lines read from the start of the file through this chunk (header and blank lines not counted). */
  readonly linesRead: number;
  readonly bytesRead: number;
}

/** A record longer than this (bytes) is rejected (in practice: a quote that is never closed). */
export const MAX_RECORD_CHARACTERS = 65_536;

/** The header must be whole in the first bytes; a longer first line is not a header anyway. */
const HEADER_BYTES = 4096;

/**
 * Streams an assignment file with csv-parse, a chunk of about `chunkLines` records at a time, so
 * a file of any size is read in constant memory. The header is checked on the raw first line
 * (the columns unquoted, in any order) and a wrong one refuses the file whole (ImportRefused)
 * before any chunk is yielded. Every other record is a line or a rejected line with its number
 * (the header is line 1) and reason; a stray quote is text of its cell (checked as such), and a
 * record csv-parse cannot read (a quote never closed) is rejected alone.
 */
export async function* assignmentChunks(source: Readable, chunkLines = 5000): AsyncGenerator<AssignmentChunk> {
  const counted = { bytes: 0 };
  let pending: RejectedLine[] = [];
  let lastSkipped = 0;
  let malformed = 0;
  const parser = new NumberedRecords({
    bom: true,
    relax_column_count: true,
    // A stray quote is text of its cell (see producers/csv/csv-records.ts): strict, csv-parse 7.0.3
    // stayed inside the quotes after text following a closing quote, and lost the lines after it.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Bounded by the guard below instead: csv-parse's own limit loses every line after the long one.
    max_record_size: 0,
    on_skip: (error) => {
      const lineNumber = Number(error?.lines ?? 0);
      if (lineNumber === lastSkipped) return;
      lastSkipped = lineNumber;
      malformed += 1;
      pending.push({
        lineNumber,
        memberId: null,
        column: null,
        reason: `malformed CSV: ${error?.message ?? 'unreadable'}`,
      });
    },
  });
  // pipeline, not pipe: a refused header or a failing source destroys the parser, so the loop below throws.
  // A quote left open takes the lines after it into its field (CSV's rule); the guard bounds the memory it takes.
  const guard = new RecordLengthGuard(MAX_RECORD_CHARACTERS, ',');
  const records = pipeline(Readable.from(checkedBytes(source, counted)), guard, parser, () => {});
  let at: ColumnIndex | undefined;
  let lines: AssignmentLine[] = [];
  let recordsRead = 0;
  const take = (): AssignmentChunk => {
    // Records skipped as malformed are lines read too (each is a rejected line).
    const chunk = { lines, rejected: pending, linesRead: recordsRead + malformed, bytesRead: counted.bytes };
    lines = [];
    pending = [];
    return chunk;
  };
  for await (const batch of records as AsyncIterable<NumberedRecord[]>) {
    for (const { record, line } of batch) {
      if (!at) {
        at = columnIndexOf(record);
        continue;
      }
      recordsRead += 1;
      const mark = guardMarkOf(record[0]);
      if (mark) {
        // csv-parse counts to the record's last line; the mark keeps the record's line breaks.
        const first = line - mark.linesAfter;
        const reason = mark.kind === 'too-long' ? tooLong(MAX_RECORD_CHARACTERS) : neverClosed(first, mark.linesAfter);
        pending.push({ lineNumber: first, memberId: null, column: null, reason });
        if (lines.length + pending.length >= chunkLines) yield take();
        continue;
      }
      // csv-parse decodes as UTF-8 and puts U+FFFD for bytes that are not: say so rather than misname the cell.
      if (hasReplacement(record)) {
        pending.push({ lineNumber: line, memberId: null, column: null, reason: NOT_UTF8 });
        if (lines.length + pending.length >= chunkLines) yield take();
        continue;
      }
      const read = lineOf(record, at, line);
      if ('line' in read) lines.push(read.line);
      else pending.push(read.rejected);
      if (lines.length + pending.length >= chunkLines) yield take();
    }
  }
  if (!at) throw new ImportRefused(headerProblem('')!, 1);
  yield take();
}

/** A record and the line csv-parse had counted to when it handed it over (the record's last line). */
interface NumberedRecord {
  readonly record: string[];
  readonly line: number;
}

/** Each record with the line csv-parse had counted when it handed the record over. */
class NumberedRecords extends BatchingParser<NumberedRecord> {
  protected itemOf(record: string[]): NumberedRecord {
    return { record, line: this.info.lines };
  }
}

// A loop, not record.some with an arrow: a closure per record is a tenth of the parsing's time.
function hasReplacement(record: readonly string[]): boolean {
  for (const cell of record) if (cell.includes('\uFFFD')) return true;
  return false;
}

/** The file's bytes as they come, after checking its raw first line is the header, and counting them. */
async function* checkedBytes(source: Readable, counted: { bytes: number }): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    counted.bytes += bytes.length;
    if (head === undefined) {
      yield bytes;
      continue;
    }
    head = Buffer.concat([head, bytes]);
    if (head.indexOf(10) < 0 && head.length < HEADER_BYTES) continue;
    refuseWrongHeader(head);
    yield head;
    head = undefined;
  }
  if (head !== undefined) {
    refuseWrongHeader(head);
    yield head;
  }
}

function refuseWrongHeader(head: Buffer): void {
  // What spreadsheets save as "Unicode text": read as UTF-8 it would show as a garbled header.
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    throw new ImportRefused('the file is UTF-16; save it as UTF-8', 1);
  const problem = headerProblem(head.subarray(0, HEADER_BYTES).toString('utf8'));
  if (problem) throw new ImportRefused(problem, 1);
}
