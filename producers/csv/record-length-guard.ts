import { Transform, type TransformCallback } from 'node:stream';

/** What an over-long record becomes: one quoted cell holding this, then the record's own line breaks. */
export const TOO_LONG_MARK = '\u0000tributary:record-too-long\u0000';
/**
 * What the file's last record becomes when a quote in it is never closed (the rest of the file was
 * read into one cell): one quoted cell holding this, then the record's line breaks but a final one,
 * which follows the cell. The reader reports it at the line the record starts on, with the lines it took.
 */
export const UNCLOSED_MARK = '\u0000tributary:quote-never-closed\u0000';

/** Which of the guard's marks a record's first cell is, if any, and how many lines after its first it took in. */
export function guardMarkOf(
  firstCell: string | undefined,
): { kind: 'too-long' | 'unclosed'; linesAfter: number } | undefined {
  if (firstCell === undefined || firstCell.charCodeAt(0) !== 0) return undefined;
  const kind = firstCell.startsWith(TOO_LONG_MARK)
    ? 'too-long'
    : firstCell.startsWith(UNCLOSED_MARK)
      ? 'unclosed'
      : undefined;
  if (!kind) return undefined;
  let linesAfter = 0;
  for (let i = 0; i < firstCell.length; i += 1) if (firstCell.charCodeAt(i) === LF) linesAfter += 1;
  return { kind, linesAfter };
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** The last byte of a UTF-8 byte order mark, which may precede the first cell. */
const BOM_END = 0xbf;

/**
 * Bounds the records of a CSV byte stream before csv-parse sees them: a record (quoted line
 * breaks included) longer than `maxRecordBytes` is replaced by one quoted cell holding
 * TOO_LONG_MARK and as many line breaks as the record had, so the lines after it keep their
 * numbers, and the reader rejects that one line. csv-parse's own max_record_size drops the rest
 * of the file after such a record (7.0.3, with skip_records_with_error), so it is not used.
 * Holds at most one record in memory. The quote state is the parser's (csv-parse with
 * relax_quotes): a quote opens a quoted cell only where a cell starts (after the file's delimiter,
 * a line break or another quoted part), and elsewhere is text; inside, any quote closes it, and a
 * doubled one closes and opens again. Counting every quote instead, one stray quote (`12" PIZZA`)
 * with no other for a megabyte took every line up to it into one over-long record. The delimiter
 * is given, or decided from the file's first line (`delimiterOf`): the guard holds the bytes
 * until that line is whole (or as long as a record may be).
 */
export class RecordLengthGuard extends Transform {
  private record: Buffer[] = [];
  private recordBytes = 0;
  private quoted = false;
  private dropping = false;
  private droppedBreaks = 0;
  /** The previous chunk's last byte (a line break before the first): a dropped record ends as it did (CRLF or LF). */
  private previous = LF;
  /** The byte before `previous` in the stream. */
  private beforePrevious = LF;
  /** Where in this chunk the last quoted part closed (-1: not in it), and whether the previous chunk ended closing one. */
  private closedAt = -1;
  private closedLast = false;
  /** Bytes in the chunks before this one. */
  private seen = 0;

  private delimiter: number | undefined;
  /** The bytes held until the first line is whole and the delimiter known. */
  private head: Buffer[] | undefined = [];
  private headBytes = 0;

  constructor(
    private readonly maxRecordBytes: number,
    /** The delimiter (one ASCII character), or how to tell it from the first line's bytes. */
    private readonly delimiterOf: string | ((firstLine: Buffer) => string),
  ) {
    super();
    if (typeof delimiterOf === 'string') this.settle(delimiterOf);
  }

  private settle(delimiter: string): void {
    this.delimiter = delimiter.charCodeAt(0);
    this.head = undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.head) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      // Joined only once the line is whole: a long header in small chunks joined at each was quadratic.
      if (chunk.indexOf(LF) === -1 && this.headBytes < this.maxRecordBytes) return done();
      const held = Buffer.concat(this.head);
      const lineEnd = held.indexOf(LF);
      this.settle(
        (this.delimiterOf as (firstLine: Buffer) => string)(lineEnd === -1 ? held : held.subarray(0, lineEnd)),
      );
      return this.guard(held, done);
    }
    this.guard(chunk, done);
  }

  private guard(chunk: Buffer, done: TransformCallback): void {
    // One push per chunk, not per record, and the bytes between quotes and line ends found by
    // native searches: a JavaScript loop over every byte cost a tenth of csv-parse's own time.
    const out: Buffer[] = [];
    const n = chunk.length;
    let start = 0; // where the record being read starts in this chunk
    let pendingFrom = -1; // where the whole records not yet in `out` start
    let i = 0;
    // The next quote and line feed at or after the last search (-1: none left, -2: not searched).
    let nextQuote = -2;
    let nextLf = -2;
    while (i < n) {
      if (this.dropping) {
        if (pendingFrom !== -1) {
          out.push(chunk.subarray(pendingFrom, start));
          pendingFrom = -1;
        }
        i = this.dropUntilEnd(chunk, i, out);
        start = i;
        continue;
      }
      const quotedAt = this.quoted;
      let j = i;
      let end = -1;
      for (;;) {
        if (nextQuote !== -1 && nextQuote < j) nextQuote = chunk.indexOf(QUOTE, j);
        if (this.quoted) {
          if (nextQuote === -1) break;
          this.passQuote(chunk, nextQuote);
          j = nextQuote + 1;
          continue;
        }
        if (nextLf !== -1 && nextLf < j) nextLf = chunk.indexOf(LF, j);
        if (nextQuote !== -1 && (nextLf === -1 || nextQuote < nextLf)) {
          this.passQuote(chunk, nextQuote);
          j = nextQuote + 1;
          continue;
        }
        end = nextLf;
        break;
      }
      // Bytes i to last - 1 do not end the record: the limit is crossed among them, or not at all.
      const last = end === -1 ? n : end;
      if (this.recordBytes + (last - start) > this.maxRecordBytes) {
        this.quoted = quotedAt;
        i = this.startDropping(chunk, start, i);
        continue;
      }
      if (end === -1) break;
      if (this.record.length > 0) {
        out.push(...this.record);
        this.record = [];
      }
      if (pendingFrom === -1) pendingFrom = start;
      this.recordBytes = 0;
      start = end + 1;
      i = start;
    }
    if (pendingFrom !== -1) out.push(chunk.subarray(pendingFrom, start));
    if (!this.dropping && start < n) {
      this.record.push(chunk.subarray(start));
      this.recordBytes += n - start;
    }
    if (n > 0) {
      this.beforePrevious = n > 1 ? chunk[n - 2]! : this.previous;
      this.previous = chunk[n - 1]!;
      this.closedLast = this.closedAt === n - 1;
    }
    this.closedAt = -1;
    this.seen += n;
    if (out.length > 0) this.push(out.length === 1 ? out[0] : Buffer.concat(out));
    done();
  }

  /**
   * The quote at `i` of `chunk`: inside a quoted part it closes it; outside, it opens one where a
   * cell starts, and is text anywhere else.
   */
  private passQuote(chunk: Buffer, i: number): void {
    if (this.quoted) {
      this.quoted = false;
      this.closedAt = i;
      return;
    }
    const before = i > 0 ? chunk[i - 1]! : this.previous;
    const afterClosing = i > 0 ? this.closedAt === i - 1 : this.closedLast;
    const afterBom = before === BOM_END && this.seen + i === 3;
    if (before === LF || before === CR || before === this.delimiter || afterClosing || afterBom) this.quoted = true;
  }

  /**
   * Reads byte by byte from `from` (where the record started at `start` has not ended yet) to the
   * byte that takes it past the limit, and drops what was held of it; returns the byte after that one.
   */
  private startDropping(chunk: Buffer, start: number, from: number): number {
    let i = from;
    for (; ; i += 1) {
      if (chunk[i] === QUOTE) this.passQuote(chunk, i);
      if (this.recordBytes + (i - start + 1) > this.maxRecordBytes) break;
    }
    this.droppedBreaks = countLineBreaks([...this.record, chunk.subarray(start, i + 1)]);
    this.record = [];
    this.recordBytes = 0;
    this.dropping = true;
    return i + 1;
  }

  /** Skips the dropped record's bytes from `from` to its end, and puts the mark in its place; returns the byte after its end. */
  private dropUntilEnd(chunk: Buffer, from: number, out: Buffer[]): number {
    for (let i = from; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (byte === QUOTE) this.passQuote(chunk, i);
      if (byte !== LF) continue;
      if (this.quoted) {
        this.droppedBreaks += 1;
        continue;
      }
      const previous = i > 0 ? chunk[i - 1] : this.previous;
      const eol = previous === CR ? '\r\n' : '\n';
      out.push(Buffer.from(`"${TOO_LONG_MARK}${'\n'.repeat(this.droppedBreaks)}"${eol}`));
      this.dropping = false;
      this.droppedBreaks = 0;
      return i + 1;
    }
    return chunk.length;
  }

  override _flush(done: TransformCallback): void {
    if (this.head) {
      // A file shorter than its first line's end: the whole of it is that line.
      const held = Buffer.concat(this.head);
      this.settle((this.delimiterOf as (firstLine: Buffer) => string)(held));
      this.guard(held, () => undefined);
    }
    // A held record with no line feed is one line as far as the guard can tell (or a CR-only
    // file whole): csv-parse reports it at that line itself.
    const oneLine = !this.dropping && !this.record.some((part) => part.includes(LF));
    if (this.quoted && !oneLine && (this.dropping || this.record.length > 0)) this.push(this.unclosed());
    else if (this.dropping) this.push(Buffer.from(`"${TOO_LONG_MARK}${'\n'.repeat(this.droppedBreaks)}"`));
    else if (this.record.length > 0) this.push(Buffer.concat(this.record));
    done();
  }

  /**
   * The file ended inside a quoted cell: csv-parse would report it at the file's last line, with
   * the lines it took in uncounted. The record (held, or dropped as too long) becomes UNCLOSED_MARK
   * with its line breaks, a final one (the file's last line break) outside the cell.
   */
  private unclosed(): Buffer {
    const held = Buffer.concat(this.record);
    let breaks = this.dropping ? this.droppedBreaks : countLineBreaks([held]);
    let eol = '';
    if (this.previous === LF) {
      breaks -= 1;
      eol = this.beforePrevious === CR ? '\r\n' : '\n';
    }
    this.record = [];
    this.dropping = false;
    return Buffer.from(`"${UNCLOSED_MARK}${'\n'.repeat(breaks)}"${eol}`);
  }
}

function countLineBreaks(parts: readonly Buffer[]): number {
  let breaks = 0;
  for (const part of parts) for (const byte of part) if (byte === LF) breaks += 1;
  return breaks;
}
