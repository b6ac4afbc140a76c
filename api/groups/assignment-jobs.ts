import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { incomingKey } from '../../infra/imports/delivery-layout.ts';
import { deliverFile } from '../../producers/imports/deliver-file.ts';
import { importJobOf, type ImportJob } from '../../projections/imports/queries.ts';
import { assignmentJobOf, type AssignmentJob } from '../../projections/groups/queries.ts';
import type { Projection } from '../../projections/projection.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';

/** The importer's kind: the bucket's `incoming/<org>/groups/` and `tributary import groups`. */
export const ASSIGNMENT_KIND = 'groups';

export const linksOf = (assignmentId: string) => ({
  self: `/v1/group-assignments/${assignmentId}`,
  report: `/v1/group-assignments/${assignmentId}/report`,
});

/** Where assignment jobs are read from: the platform's import jobs and this slice's reports. */
export interface AssignmentJobs {
  /** Hands the file to the platform as a background job (the data-delivery bucket); resolves with the job id. */
  submit(file: { organizationId: string; requestedBy: string; fileName: string | null; body: Buffer }): Promise<string>;
  /** The job as a client sees it, or undefined when the organization has no such job. */
  view(organizationId: string, assignmentId: string): Promise<ReturnType<typeof jobView> | undefined>;
  /** The platform's job (its status and report location), organization-checked. */
  importJob(organizationId: string, assignmentId: string): Promise<ImportJob | undefined>;
}

/**
 * The platform's import jobs projection, found among the slices by the events it reads (the
 * slices never name each other; tests rename it).
 */
function importJobsProjection(options: SliceRouteOptions): Projection {
  const found = options.slices
    .flatMap((slice) => Object.values(slice.projections))
    .find((projection) => projection.tables.includes('import_jobs'));
  if (!found) throw new Error('the group assignment routes need the import jobs projection (the imports slice)');
  return found;
}

export function assignmentJobs(options: SliceRouteOptions, memberships: Projection): AssignmentJobs {
  const { pool, aws, config } = options;
  const jobs = importJobsProjection(options);
  const importJob = async (organizationId: string, assignmentId: string) => {
    const job = await importJobOf(pool, organizationId, assignmentId, jobs);
    return job?.kind === ASSIGNMENT_KIND ? job : undefined;
  };
  // A delivered file waits in the bucket until a worker takes it; its key names the organization.
  const queued = async (organizationId: string, assignmentId: string) => {
    try {
      await aws.s3.send(
        new HeadObjectCommand({
          Bucket: config.imports.bucket,
          Key: incomingKey(organizationId, ASSIGNMENT_KIND, `${assignmentId}.csv`),
        }),
      );
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  };
  return {
    async submit(file) {
      const delivered = await deliverFile(aws, config, { ...file, kind: ASSIGNMENT_KIND });
      return delivered.jobId;
    },
    async view(organizationId, assignmentId) {
      const [job, report] = await Promise.all([
        importJob(organizationId, assignmentId),
        assignmentJobOf(pool, organizationId, assignmentId, memberships),
      ]);
      if (!job && !report && !(await queued(organizationId, assignmentId))) return undefined;
      return jobView(assignmentId, job, report);
    },
    importJob,
  };
}

/**
 * A job from the platform's record (status, progress) and this slice's report (the summary, once
 * GroupAssignmentCompleted is applied; the two read models apply their events independently).
 */
export function jobView(assignmentId: string, job: ImportJob | undefined, report: AssignmentJob | undefined) {
  const status: ImportJob['status'] | 'queued' = job?.status ?? (report ? 'completed' : 'queued');
  return {
    assignmentId,
    status,
    sourceFile: job?.fileName ?? report?.sourceFile ?? null,
    requestedBy: job?.requestedBy ?? report?.requestedBy ?? null,
    attempts: job?.attempts ?? 0,
    startedAt: job?.startedAt?.toISOString() ?? null,
    completedAt: (job?.finishedAt ?? report?.completedAt)?.toISOString() ?? null,
    progress: job?.progress ?? { linesRead: report?.summary.totalLines ?? 0, bytesRead: 0, totalBytes: null },
    summary:
      report && status === 'completed'
        ? {
            ...report.summary,
            failures: report.summary.failures.map((f) => ({ ...f })),
            skipped: report.summary.skipped.map((s) => ({ ...s })),
          }
        : null,
    failure: job?.failure ?? null,
    links: linksOf(assignmentId),
  };
}
