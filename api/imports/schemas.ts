import { Type } from '@fastify/type-provider-typebox';
import type { ImportJob } from '../../projections/imports/queries.ts';

export const IMPORTS_READ_SCOPE = 'imports:read';
export const IMPORTS_WRITE_SCOPE = 'imports:write';

export const JobParams = Type.Object({ jobId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
/** The list's query: a `kind` filter names one of the deployment's import kinds (another is 400, naming them). */
export const listQueryOf = (kinds: readonly string[]) =>
  Type.Object(
    {
      // No importer at all: no kind is valid (an enum may not be empty).
      kind: Type.Optional(
        kinds.length > 0
          ? Type.String({ enum: [...new Set(kinds)], description: 'Only jobs of this import kind.' })
          : Type.Never(),
      ),
      limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    },
    { additionalProperties: false },
  );

export const UploadQuery = Type.Object(
  {
    kind: Type.String({
      pattern: '^[a-z][a-z0-9-]*$',
      maxLength: 40,
      description: 'What the file holds: an import kind.',
    }),
    fileName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The file’s name, shown on the job.' }),
    ),
  },
  { additionalProperties: false },
);

const Count = Type.Object({ name: Type.String(), value: Type.Integer() });
const Rejected = Type.Object({
  lineNumber: Type.Integer({ description: 'Counting the header as line 1.' }),
  column: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
});

export const ImportJobJson = Type.Object({
  jobId: Type.String(),
  kind: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
  fileName: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('cli'), Type.Literal('bucket'), Type.Literal('api'), Type.Null()]),
  requestedBy: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer({ description: 'How many times the job started (a crashed worker’s job starts again).' }),
  progress: Type.Object({
    linesRead: Type.Integer(),
    bytesRead: Type.Integer(),
    totalBytes: Type.Union([Type.Integer(), Type.Null()]),
    percent: Type.Union([Type.Number(), Type.Null()]),
  }),
  counts: Type.Array(Count, {
    description: 'The summary once completed: read, accepted, rejected, duplicate, then the kind’s own.',
  }),
  rejected: Type.Array(Rejected, { description: 'The first rejected lines; the report holds them all.' }),
  report: Type.Union([Type.String(), Type.Null()], {
    description: 'Where to download the full report of rejected lines.',
  }),
  failure: Type.Union([
    Type.Object({ reason: Type.String(), lineNumber: Type.Union([Type.Integer(), Type.Null()]) }),
    Type.Null(),
  ]),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const JobList = Type.Object({ jobs: Type.Array(ImportJobJson) });

export const ImportAccepted = Type.Object({
  jobId: Type.String(),
  status: Type.Literal('accepted'),
  location: Type.String({ description: 'Poll this for the job’s status and progress.' }),
});

export function jobJson(job: ImportJob) {
  const { totalBytes, bytesRead, linesRead } = job.progress;
  return {
    jobId: job.jobId,
    kind: job.kind,
    status: job.status,
    fileName: job.fileName,
    source: job.source,
    requestedBy: job.requestedBy,
    attempts: job.attempts,
    progress: {
      linesRead,
      bytesRead,
      totalBytes,
      percent:
        job.status === 'completed'
          ? 100
          : totalBytes
            ? Math.min(100, Math.round((1000 * bytesRead) / totalBytes) / 10)
            : null,
    },
    counts: job.counts.map((c) => ({ ...c })),
    rejected: job.rejected.map((r) => ({ ...r })),
    report: job.reportLocation?.startsWith('s3://') ? `/v1/imports/${job.jobId}/report` : job.reportLocation,
    failure: job.failure ? { ...job.failure } : null,
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
