import { pipeline, type Readable } from 'node:stream';
import type { CsvError } from 'csv-parse';
import { BatchingParser } from './batching-parser.ts';
import { ImportRefused } from '../imports/refused.ts';
import { guardMarkOf, RecordLengthGuard } from './record-length-guard.ts';
import { delimiterOfHeader, sniffDialect, type CsvDialect, type DelimiterName } from './sniff.ts';

/** One CSV record, or a line the parser could not read, with the line it starts on (the header is line 1). */
export type CsvRecord =
  | { readonly kind: 'record'; readonly lineNumber: number; readonly fields: readonly string[] }
  | { readonly kind: 'unreadable'; readonly lineNumber: number; readonly reason: string };

export interface CsvReadOptions {
  readonly encoding: 'auto' | 'utf-8' | 'latin1';
  readonly delimiter: 'auto' | DelimiterName;
  /** Called with the bytes read so far, as they are read. */
  readonly onBytes?: (bytesRead: number) => void;
  /** A record longer than this is unreadable (one huge quoted cell must not eat the memory). */
  readonly maxRecordBytes?: number;
}

const HEAD_BYTES = 64 * 1024;

/** Why a record longer than the limit is refused (the lines after it are read as usual). */
export const tooLong = (maxRecordBytes: number) =>
  `the line is longer than ${maxRecordBytes} bytes, the largest record accepted`;

/**
 * Why a line of a UTF-8 file is refused when its bytes are not UTF-8 (the decoder put U+FFFD in
 * their place): importing the replacement characters would change the data without a word.
 */
export const NOT_UTF8 = 'the line holds bytes that are not UTF-8 (the file reads as UTF-8: its first 64 KiB are)';

/**
 * Streams a CSV file's records in constant memory with csv-parse: the dialect sniffed from the
 * first 64 KiB (or configured), CRLF or LF, quoted cells across lines, and a record the parser
 * cannot read (a stray quote, an unclosed one) reported with its line rather than ending the
 * file. Each record carries the line it starts on, so a quoted newline does not shift the
 * numbers of the lines after it.
 */
export async function* readCsvRecords(
  bytes: Readable,
  options: CsvReadOptions,
): AsyncGenerator<CsvRecord, void, undefined> {
  for await (const batch of readCsvBatches(bytes, options)) yield* batch;
}

/**
 * readCsvRecords's records, a batch of them for each piece of the file parsed (about 64 KiB): an
 * importer looping over a batch pays one await per batch instead of one per record.
 */
export async function* readCsvBatches(
  bytes: Readable,
  options: CsvReadOptions,
): AsyncGenerator<readonly CsvRecord[], void, undefined> {
  const sniffed: { dialect?: CsvDialect } = {};
  const maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
  // An error of the source destroys the guard with it, so the loop below throws it.
  const guard = new RecordLengthGuard(maxRecordBytes, (header) =>
    delimiterOfHeader(header.toString('latin1'), options.delimiter),
  );
  const guarded = pipeline(bytes, guard, () => {});
  const text = decodedText(guarded, options, sniffed);
  const first = await text.next(); // reads the head: the dialect is known after it
  const dialect = sniffed.dialect ?? { encoding: 'utf-8', delimiter: ',', bom: false };
  const parser = new NumberedParser(dialect, maxRecordBytes);
  const feeding = (async () => {
    try {
      if (!first.done && !parser.write(first.value)) await once(parser, 'drain');
      for await (const chunk of text) if (!parser.write(chunk)) await once(parser, 'drain');
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  for await (const batch of parser as AsyncIterable<CsvRecord[]>) yield batch;
  await feeding;
}

/**
 * csv-parse's stream, pushing each piece's records as one batch of CsvRecord, each with its line
 * number, and the records it skipped as unreadable lines in their place. The line comes from the
 * parser's documented `info.lines` at the moment it hands a record over; csv-parse's on_record
 * gave the same count, but built two copies of its whole info object per record to do so (as much
 * CPU as the parsing itself).
 */
class NumberedParser extends BatchingParser<CsvRecord> {
  // csv-parse counts a CRLF inside a quoted cell as two lines: its counts are corrected by those seen.
  private doubleCounted = 0;

  constructor(
    private readonly dialect: CsvDialect,
    private readonly maxRecordBytes: number,
  ) {
    super({
      delimiter: dialect.delimiter,
      relax_column_count: true,
      // A quote inside an unquoted cell, or text after a quoted one, is kept as text (as Python's
      // csv module and spreadsheets read it): the line is then checked cell by cell. Strict,
      // csv-parse 7.0.3 reported such a line once per stray quote and, after text following a
      // closing quote, stayed inside the quotes: the good lines after it vanished unreported.
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // Bounded by the guard instead (see RecordLengthGuard).
      max_record_size: 0,
    });
    // Emitted while parsing, between the records around it: the batch keeps the file's order.
    this.on('skip', (error: CsvError & { lines?: number }) => {
      const lineNumber = (error.lines ?? 0) - this.doubleCounted;
      this.batch.push({ kind: 'unreadable', lineNumber, reason: readable(error) });
    });
  }

  protected itemOf(fields: string[]): CsvRecord {
    let breaks = 0;
    let replaced = false;
    let merged = false;
    for (let index = 0; index < fields.length; index += 1) {
      const field = fields[index]!;
      const breaksBefore = breaks;
      // One pass over the characters: cheaper than three native searches per cell.
      for (let i = 0; i < field.length; i += 1) {
        const c = field.charCodeAt(i);
        if (c === LF) breaks += 1;
        else if (c === CR) {
          breaks += 1;
          if (field.charCodeAt(i + 1) === LF) {
            this.doubleCounted += 1;
            i += 1;
          }
        } else if (c === REPLACEMENT) replaced = true;
      }
      // A quoted cell that relax_quotes closed at a quote followed by text keeps its opening quote:
      // across a line break, that is a quote never closed on its line, which took the next line in.
      if (breaks > breaksBefore && field.charCodeAt(0) === QUOTE) merged = true;
    }
    const lineNumber = this.info.lines - this.doubleCounted - breaks;
    if (merged) return { kind: 'unreadable', lineNumber, reason: MERGED };
    const mark = guardMarkOf(fields[0]);
    if (mark?.kind === 'too-long') return { kind: 'unreadable', lineNumber, reason: tooLong(this.maxRecordBytes) };
    if (mark) return { kind: 'unreadable', lineNumber, reason: neverClosed(lineNumber, mark.linesAfter) };
    if (replaced && this.dialect.encoding === 'utf-8') return { kind: 'unreadable', lineNumber, reason: NOT_UTF8 };
    return { kind: 'record', lineNumber, fields };
  }
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

/**
 * Why a record that took in the line after it is refused: a quote opening a cell is closed, past
 * a line break, by a quote followed by text, so both lines are one record, reported rather than
 * imported as one line (or as a cell holding the other line's text).
 */
export const MERGED =
  'a quoted cell is not closed on its line: the line after it was read into it (a quote is missing or stray)';
const REPLACEMENT = 0xfffd;

/**
 * Why the file's last record is refused when a quote in it is never closed: reported at the line
 * it opened on, with the lines the cell took in (they are not read as lines of their own).
 */
export function neverClosed(lineNumber: number, linesAfter: number): string {
  return linesAfter === 0
    ? 'a quoted cell is never closed'
    : `a quoted cell is never closed: lines ${lineNumber} to ${lineNumber + linesAfter} (the end of the file) were read into it as one line`;
}

/** The file's text: the first 64 KiB read whole to sniff the dialect (stored in `sniffed`), then chunk by chunk. */
async function* decodedText(
  bytes: Readable,
  options: CsvReadOptions,
  sniffed: { dialect?: CsvDialect },
): AsyncGenerator<string, void, undefined> {
  let read = 0;
  let head: Buffer[] | undefined = [];
  let headBytes = 0;
  let decoder: TextDecoder | undefined;
  const settle = (buffer: Buffer): string => {
    // The first 64 KiB exactly: a stream may hand over more at once (the guard's records coalesce).
    const dialect = sniffDialect(buffer.subarray(0, HEAD_BYTES), options);
    if ('problem' in dialect) throw new ImportRefused(dialect.problem, 1);
    sniffed.dialect = dialect;
    if (dialect.encoding === 'utf-8') decoder = new TextDecoder('utf-8');
    return decode(dialect.bom ? buffer.subarray(3) : buffer);
  };
  const decode = (chunk: Buffer): string =>
    decoder ? decoder.decode(chunk, { stream: true }) : chunk.toString('latin1');
  for await (const chunk of bytes) {
    const buffer = chunk as Buffer;
    read += buffer.length;
    options.onBytes?.(read);
    if (!head) {
      yield decode(buffer);
      continue;
    }
    head.push(buffer);
    headBytes += buffer.length;
    if (headBytes < HEAD_BYTES) continue;
    const text = settle(Buffer.concat(head));
    head = undefined;
    yield text;
  }
  if (head) yield settle(Buffer.concat(head));
  if (decoder) yield decoder.decode();
}

function readable(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell is never closed';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote opens in the middle of a cell';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted cell is followed by more text before the delimiter';
    case 'CSV_MAX_RECORD_SIZE':
      return 'the line is longer than the largest record accepted';
    default:
      return error.message;
  }
}

function once(emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}
