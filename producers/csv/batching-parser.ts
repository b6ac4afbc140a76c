import type { TransformCallback } from 'node:stream';
import { Parser } from 'csv-parse';

/**
 * csv-parse's stream, pushing the items made of each piece's records as one batch (an array) in
 * file order: an importer looping over the stream pays one await per piece of about 64 KiB, not
 * one per record. A subclass makes each item from a record (`itemOf`, called as csv-parse hands
 * the record over, so its documented `info.lines` is that record's) and may add items of its own
 * in their place (`batch`).
 */
export abstract class BatchingParser<T> extends Parser {
  protected batch: T[] = [];

  protected abstract itemOf(fields: string[]): T;

  // csv-parse hands each record to push as it is parsed, and null at the end.
  override push(fields: string[] | null): boolean {
    if (fields === null) {
      this.pushBatch();
      return super.push(null);
    }
    this.batch.push(this.itemOf(fields));
    return true;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (error?: Error | null) => {
      this.pushBatch();
      callback(error);
    });
  }

  override _flush(callback: TransformCallback): void {
    super._flush((error?: Error | null) => {
      this.pushBatch();
      callback(error);
    });
  }

  private pushBatch(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    super.push(batch);
  }
}
