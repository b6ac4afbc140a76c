import { copyFileSync, createReadStream, createWriteStream, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify';
import type { RejectedLine } from '../../slices/slice.ts';

/** Where a job's report of rejected lines is kept: beside a local file, or in the data-delivery bucket. */
export type ReportDestination =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 's3'; readonly s3: S3Client; readonly bucket: string; readonly key: string };

/** How many rejected lines the ImportCompleted event carries; the report holds them all. */
export const REJECTED_SAMPLE = 100;

/**
 * The report of one job's rejected lines, streamed to a temporary file as the importer reports
 * them (a file with millions of bad lines stays in constant memory), then put where it belongs.
 * Cells that start with `=`, `+`, `-` or `@` are escaped, so a spreadsheet never runs them.
 */
export class RejectionReport {
  private readonly folder = mkdtempSync(join(tmpdir(), 'tributary-report-'));
  private readonly path = join(this.folder, 'report.csv');
  private readonly csv = stringify({
    header: true,
    columns: ['line_number', 'column', 'reason'],
    escape_formulas: true,
  });
  private readonly written = finished(this.csv.pipe(createWriteStream(this.path)));
  readonly sample: RejectedLine[] = [];
  count = 0;

  add(line: RejectedLine): void {
    this.count += 1;
    if (this.sample.length < REJECTED_SAMPLE) this.sample.push(line);
    this.csv.write([line.lineNumber, line.column ?? '', line.reason]);
  }

  /** Stores the report (when any line was rejected) and returns its location: a path or an s3:// URL. */
  async finish(destination: ReportDestination): Promise<string | null> {
    this.csv.end();
    await this.written;
    try {
      if (this.count === 0) return null;
      if (destination.kind === 'file') {
        renameOrCopy(this.path, destination.path);
        return destination.path;
      }
      await destination.s3.send(
        new PutObjectCommand({
          Bucket: destination.bucket,
          Key: destination.key,
          Body: createReadStream(this.path),
          ContentLength: statSync(this.path).size,
          ContentType: 'text/csv; charset=utf-8',
        }),
      );
      return `s3://${destination.bucket}/${destination.key}`;
    } finally {
      rmSync(this.folder, { recursive: true, force: true });
    }
  }

  /** Drops the report without storing it (a refused file has none). */
  async discard(): Promise<void> {
    this.csv.end();
    await this.written.catch(() => undefined);
    rmSync(this.folder, { recursive: true, force: true });
  }
}

function renameOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    // Another file system (tmp on tmpfs): copy instead.
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    copyFileSync(from, to);
  }
}
