import { Transform, type TransformCallback } from 'node:stream';

/** What an over-long record becomes: one quoted cell holding this, then the record's own line breaks. */
export const TOO_LONG_MARK = '\u0000tributary:record-too-long\u0000';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Bounds the records of a CSV byte stream before csv-parse sees them: a record (quoted line
 * breaks included) longer than `maxRecordBytes` is replaced by one quoted cell holding
 * TOO_LONG_MARK and as many line breaks as the record had, so the lines after it keep their
 * numbers, and the reader rejects that one line. csv-parse's own max_record_size drops the rest
 * of the file after such a record (7.0.3, with skip_records_with_error), so it is not used.
 * Holds at most one record in memory; the quote state is CSV's (a doubled quote toggles twice).
 */
export class RecordLengthGuard extends Transform {
  private record: Buffer[] = [];
  private recordBytes = 0;
  private quoted = false;
  private dropping = false;
  private droppedBreaks = 0;
  /** The byte before this one, across chunks: a dropped record ends as it did (CRLF or LF). */
  private previous = 0;

  constructor(private readonly maxRecordBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // One push per chunk, not per record: a file of millions of short lines stays cheap.
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      const previous = this.previous;
      this.previous = byte;
      if (byte === QUOTE) this.quoted = !this.quoted;
      const ends = byte === LF && !this.quoted;
      if (this.dropping) {
        if (byte === LF && this.quoted) this.droppedBreaks += 1;
        if (ends) {
          const eol = previous === CR ? '\r\n' : '\n';
          out.push(Buffer.from(`"${TOO_LONG_MARK}${'\n'.repeat(this.droppedBreaks)}"${eol}`));
          this.dropping = false;
          this.droppedBreaks = 0;
          start = i + 1;
        }
        continue;
      }
      if (ends) {
        this.record.push(chunk.subarray(start, i + 1));
        out.push(...this.record);
        this.record = [];
        this.recordBytes = 0;
        start = i + 1;
        continue;
      }
      if (this.recordBytes + (i - start + 1) > this.maxRecordBytes) {
        // Over the limit: what was held of it is dropped, and the rest until its end.
        this.droppedBreaks = countLineBreaks([...this.record, chunk.subarray(start, i + 1)]);
        this.record = [];
        this.recordBytes = 0;
        this.dropping = true;
      }
    }
    if (!this.dropping && start < chunk.length) {
      this.record.push(chunk.subarray(start));
      this.recordBytes += chunk.length - start;
    }
    if (out.length > 0) this.push(out.length === 1 ? out[0] : Buffer.concat(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.dropping) this.push(Buffer.from(`"${TOO_LONG_MARK}${'\n'.repeat(this.droppedBreaks)}"`));
    else if (this.record.length > 0) this.push(Buffer.concat(this.record));
    done();
  }
}

function countLineBreaks(parts: readonly Buffer[]): number {
  let breaks = 0;
  for (const part of parts) for (const byte of part) if (byte === LF) breaks += 1;
  return breaks;
}
