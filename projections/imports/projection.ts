import type { EventOf } from '../../schemas/generated/events.ts';
import { defineProjection } from '../projection.ts';
import type { Statement } from '../statement.ts';

type JobEvent = EventOf<'ImportStarted' | 'ImportProgressed' | 'ImportCompleted' | 'ImportFailed'>;

/** One job's events of a batch folded into the row's new values (a job's events share a partition, in order). */
interface JobChange {
  job_id: string;
  organization_id: string;
  kind: string;
  file_name: string | null;
  source: string | null;
  object_key: string | null;
  size_bytes: number | null;
  sha256: string | null;
  requested_by: string | null;
  started_at: string | null;
  /** A (re)start in this batch: progress counts from zero again, and the attempt counts. */
  restarts: number;
  status: 'running' | 'completed' | 'failed' | null;
  lines_read: number | null;
  bytes_read: number | null;
  total_bytes: number | null;
  counts: readonly { name: string; value: number }[] | null;
  rejected: readonly { lineNumber: number; column: string | null; reason: string }[] | null;
  report_location: string | null;
  failure_reason: string | null;
  failure_line: number | null;
  finished_at: string | null;
  updated_at: string;
}

/**
 * Import jobs (seed 003's jobs table): one row per job, `running` with its progress, then
 * `completed` with its summary or `failed` with the reason. A completed job stays completed: a
 * late progress event, or a rerun that finds it done, changes nothing.
 */
export const importJobs = defineProjection({
  name: 'import_jobs',
  handles: ['ImportStarted', 'ImportProgressed', 'ImportCompleted', 'ImportFailed'] as const,
  tables: ['import_jobs'],
  migrations: [
    {
      version: 1,
      name: 'import_jobs',
      sql: `create table import_jobs (
        job_id uuid primary key,
        organization_id text not null,
        kind text not null,
        file_name text,
        source text,
        object_key text,
        size_bytes bigint,
        sha256 text,
        requested_by text,
        status text not null check (status in ('running', 'completed', 'failed')),
        attempts int not null default 1,
        lines_read bigint not null default 0,
        bytes_read bigint not null default 0,
        total_bytes bigint,
        counts jsonb,
        rejected jsonb,
        report_location text,
        failure_reason text,
        failure_line bigint,
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz not null);
      create index import_jobs_by_organization on import_jobs (organization_id, started_at desc, job_id desc);`,
    },
  ],
  project(events) {
    const changes = foldJobs(events.map((consumed) => consumed.event));
    return changes.length === 0 ? [] : upsert(changes);
  },
});

export function foldJobs(events: readonly JobEvent[]): JobChange[] {
  const byJob = new Map<string, JobChange>();
  for (const event of events) {
    const { metadata, payload } = event;
    const at = metadata.occurredAt.toISOString();
    const change = byJob.get(payload.jobId) ?? blank(payload.jobId, metadata.organizationId, payload.kind, at);
    change.updated_at = at;
    switch (event.type) {
      case 'ImportStarted': {
        const p = event.payload;
        Object.assign(change, {
          file_name: p.fileName,
          source: p.source,
          object_key: p.objectKey,
          size_bytes: p.sizeBytes,
          total_bytes: p.sizeBytes,
          sha256: p.sha256,
          requested_by: p.requestedBy,
          started_at: at,
          restarts: change.restarts + 1,
          status: 'running',
          lines_read: 0,
          bytes_read: 0,
        });
        break;
      }
      case 'ImportProgressed': {
        const p = event.payload;
        change.lines_read = Math.max(change.lines_read ?? 0, p.linesRead);
        change.bytes_read = Math.max(change.bytes_read ?? 0, p.bytesRead);
        change.total_bytes = p.totalBytes ?? change.total_bytes;
        break;
      }
      case 'ImportCompleted': {
        const p = event.payload;
        Object.assign(change, {
          status: 'completed',
          counts: p.counts,
          rejected: p.rejected,
          report_location: p.reportLocation,
          finished_at: at,
        });
        break;
      }
      case 'ImportFailed': {
        const p = event.payload;
        Object.assign(change, {
          status: 'failed',
          failure_reason: p.reason,
          failure_line: p.lineNumber,
          finished_at: at,
        });
        break;
      }
    }
    byJob.set(payload.jobId, change);
  }
  return [...byJob.values()];
}

function blank(jobId: string, organizationId: string, kind: string, at: string): JobChange {
  return {
    job_id: jobId,
    organization_id: organizationId,
    kind,
    file_name: null,
    source: null,
    object_key: null,
    size_bytes: null,
    sha256: null,
    requested_by: null,
    started_at: null,
    restarts: 0,
    status: null,
    lines_read: null,
    bytes_read: null,
    total_bytes: null,
    counts: null,
    rejected: null,
    report_location: null,
    failure_reason: null,
    failure_line: null,
    finished_at: null,
    updated_at: at,
  };
}

const RECORD = `r(job_id uuid, organization_id text, kind text, file_name text, source text, object_key text,
  size_bytes bigint, sha256 text, requested_by text, started_at timestamptz, restarts int, status text,
  lines_read bigint, bytes_read bigint, total_bytes bigint, counts jsonb, rejected jsonb, report_location text,
  failure_reason text, failure_line bigint, finished_at timestamptz, updated_at timestamptz)`;

function upsert(changes: readonly JobChange[]): Statement[] {
  const params = [JSON.stringify(changes)];
  return [
    {
      // A job whose start is in this batch gets its row; one already known keeps it.
      sql: `insert into import_jobs (job_id, organization_id, kind, status, attempts, updated_at)
        select job_id, organization_id, kind, 'running', 0, updated_at from jsonb_to_recordset($1::jsonb) as ${RECORD}
        where restarts > 0
        on conflict (job_id) do nothing`,
      params,
    },
    {
      sql: `update import_jobs j set
          file_name = coalesce(r.file_name, j.file_name),
          source = coalesce(r.source, j.source),
          object_key = coalesce(r.object_key, j.object_key),
          size_bytes = coalesce(r.size_bytes, j.size_bytes),
          sha256 = coalesce(r.sha256, j.sha256),
          requested_by = coalesce(r.requested_by, j.requested_by),
          started_at = coalesce(j.started_at, r.started_at),
          attempts = j.attempts + r.restarts,
          status = case when j.status = 'completed' then j.status else coalesce(r.status, j.status) end,
          lines_read = case when j.status = 'completed' then j.lines_read
            when r.restarts > 0 then coalesce(r.lines_read, 0) else greatest(j.lines_read, coalesce(r.lines_read, 0)) end,
          bytes_read = case when j.status = 'completed' then j.bytes_read
            when r.restarts > 0 then coalesce(r.bytes_read, 0) else greatest(j.bytes_read, coalesce(r.bytes_read, 0)) end,
          total_bytes = coalesce(r.total_bytes, j.total_bytes),
          counts = case when j.status = 'completed' then j.counts else coalesce(r.counts, j.counts) end,
          rejected = case when j.status = 'completed' then j.rejected else coalesce(r.rejected, j.rejected) end,
          report_location = case when j.status = 'completed' then j.report_location else coalesce(r.report_location, j.report_location) end,
          failure_reason = case when coalesce(r.status, j.status) = 'failed' then coalesce(r.failure_reason, j.failure_reason) end,
          failure_line = case when coalesce(r.status, j.status) = 'failed' then coalesce(r.failure_line, j.failure_line) end,
          finished_at = case when j.status = 'completed' then j.finished_at
            when coalesce(r.status, j.status) = 'running' then null else coalesce(r.finished_at, j.finished_at) end,
          updated_at = r.updated_at
        from jsonb_to_recordset($1::jsonb) as ${RECORD}
        where j.job_id = r.job_id and j.organization_id = r.organization_id`,
      params,
    },
  ];
}
