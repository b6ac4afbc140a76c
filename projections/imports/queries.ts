import type pg from 'pg';
import { qualified, type Projection } from '../projection.ts';
import { importJobs } from './projection.ts';

export interface ImportJob {
  readonly jobId: string;
  readonly organizationId: string;
  readonly kind: string;
  readonly status: 'running' | 'completed' | 'failed';
  readonly fileName: string | null;
  readonly source: 'cli' | 'bucket' | 'api' | null;
  readonly objectKey: string | null;
  readonly sha256: string | null;
  readonly requestedBy: string | null;
  readonly attempts: number;
  readonly progress: { readonly linesRead: number; readonly bytesRead: number; readonly totalBytes: number | null };
  readonly counts: readonly { readonly name: string; readonly value: number }[];
  /** The first rejected lines; the report holds them all. */
  readonly rejected: readonly {
    readonly lineNumber: number;
    readonly column: string | null;
    readonly reason: string;
  }[];
  readonly reportLocation: string | null;
  readonly failure: { readonly reason: string; readonly lineNumber: number | null } | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly updatedAt: Date;
}

interface Row {
  job_id: string;
  organization_id: string;
  kind: string;
  status: ImportJob['status'];
  file_name: string | null;
  source: ImportJob['source'];
  object_key: string | null;
  sha256: string | null;
  requested_by: string | null;
  attempts: number;
  lines_read: string;
  bytes_read: string;
  total_bytes: string | null;
  counts: ImportJob['counts'] | null;
  rejected: ImportJob['rejected'] | null;
  report_location: string | null;
  failure_reason: string | null;
  failure_line: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

/** One job of the organization, or undefined (another organization's job is not found either). */
export async function importJobOf(
  pool: pg.Pool,
  organizationId: string,
  jobId: string,
  projection: Projection = importJobs,
): Promise<ImportJob | undefined> {
  const { rows } = await pool.query<Row>(
    `select * from ${qualified(projection, 'import_jobs')} where job_id = $1 and organization_id = $2`,
    [jobId, organizationId],
  );
  return rows[0] && jobOf(rows[0]);
}

/** The organization's latest jobs, newest first, of one kind or all. */
export async function recentImportJobs(
  pool: pg.Pool,
  organizationId: string,
  options: { readonly kind?: string; readonly limit: number },
  projection: Projection = importJobs,
): Promise<ImportJob[]> {
  const { rows } = await pool.query<Row>(
    `select * from ${qualified(projection, 'import_jobs')}
      where organization_id = $1 and ($2::text is null or kind = $2)
      order by started_at desc nulls last, job_id desc limit $3`,
    [organizationId, options.kind ?? null, options.limit],
  );
  return rows.map(jobOf);
}

function jobOf(row: Row): ImportJob {
  return {
    jobId: row.job_id,
    organizationId: row.organization_id,
    kind: row.kind,
    status: row.status,
    fileName: row.file_name,
    source: row.source,
    objectKey: row.object_key,
    sha256: row.sha256,
    requestedBy: row.requested_by,
    attempts: row.attempts,
    progress: {
      linesRead: Number(row.lines_read),
      bytesRead: Number(row.bytes_read),
      totalBytes: row.total_bytes === null ? null : Number(row.total_bytes),
    },
    counts: row.counts ?? [],
    rejected: row.rejected ?? [],
    reportLocation: row.report_location,
    failure: row.failure_reason
      ? { reason: row.failure_reason, lineNumber: row.failure_line === null ? null : Number(row.failure_line) }
      : null,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}
