import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { deliverFile } from '../../producers/imports/deliver-file.ts';
import { importJobOf, recentImportJobs } from '../../projections/imports/queries.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';
import { ApiError, problem, problemRef } from '../errors.ts';
import {
  IMPORTS_READ_SCOPE,
  IMPORTS_WRITE_SCOPE,
  ImportAccepted,
  ImportJobJson,
  JobList,
  JobParams,
  listQueryOf,
  UploadQuery,
  jobJson,
} from './schemas.ts';

const CSV = 'text/csv';

/**
 * Import jobs of every kind (transactions, group assignments, ...): their status, progress and
 * summary, the report of rejected lines, and the upload of a file, which goes into the
 * data-delivery bucket so that it runs as a background job like any delivered file.
 */
export const importRoutes: FastifyPluginAsync<SliceRouteOptions> = async (instance, options) => {
  const projection = options.projections.jobs;
  if (!projection) throw new Error('the import routes need the jobs projection');
  const { pool, aws, config } = options;
  const kinds = options.slices.flatMap((slice) => slice.importers.map((importer) => importer.kind));
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const limit = { max: options.api.rateLimitPerMinute, timeWindow: 60_000 };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(CSV, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get(
    '/v1/imports',
    {
      config: { scope: IMPORTS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'The organization’s latest import jobs',
        tags: ['imports'],
        querystring: listQueryOf(kinds),
        response: { 200: JobList, 400: problemRef },
      },
    },
    async (request) => {
      const { organizationId } = principalOf(request);
      const jobs = await recentImportJobs(pool, organizationId, request.query, projection);
      return { jobs: jobs.map(jobJson) };
    },
  );

  app.get(
    '/v1/imports/:jobId',
    {
      config: { scope: IMPORTS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'An import job’s status, progress and summary',
        tags: ['imports'],
        params: JobParams,
        response: { 200: ImportJobJson, 400: problemRef, 404: problemRef },
      },
    },
    async (request) => {
      const job = await importJobOf(pool, principalOf(request).organizationId, request.params.jobId, projection);
      if (!job) throw problem.notFound(`no import job ${request.params.jobId}`);
      return jobJson(job);
    },
  );

  app.get(
    '/v1/imports/:jobId/report',
    {
      config: { scope: IMPORTS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'The report of a job’s rejected lines (CSV: line_number, column, reason)',
        tags: ['imports'],
        params: JobParams,
        response: { 200: Type.String(), 400: problemRef, 404: problemRef },
      },
    },
    async (request, reply) => {
      const job = await importJobOf(pool, principalOf(request).organizationId, request.params.jobId, projection);
      if (!job) throw problem.notFound(`no import job ${request.params.jobId}`);
      const location = job.reportLocation;
      const prefix = `s3://${config.imports.bucket}/`;
      if (!location?.startsWith(prefix))
        throw problem.notFound(
          location
            ? `the report was written beside the file on the machine that ran the import: ${location}`
            : `job ${job.jobId} has no report: ${job.status === 'completed' ? 'no line was rejected' : `it is ${job.status}`}`,
        );
      const object = await aws.s3.send(
        new GetObjectCommand({ Bucket: config.imports.bucket, Key: location.slice(prefix.length) }),
      );
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${job.jobId}.rejected.csv"`);
      // Streamed as S3 sends it: a report of millions of lines never sits in memory.
      return reply.send(object.Body as never);
    },
  );

  app.post(
    '/v1/imports',
    {
      config: {
        scope: IMPORTS_WRITE_SCOPE,
        rateLimit: limit,
        documentedBody: {
          content: {
            [CSV]: { schema: { type: 'string', description: 'The CSV file, as the kind’s format describes it.' } },
          },
        },
      },
      schema: {
        summary: 'Upload a CSV file to import as a background job',
        description: `The file goes into the data-delivery bucket and is imported like any file delivered there; poll the job for progress and the summary. Kinds: ${kinds.join(', ')}. The same file again is the same job, and imports nothing twice.`,
        tags: ['imports'],
        querystring: UploadQuery,
        response: { 202: ImportAccepted, 400: problemRef, 404: problemRef },
      },
    },
    async (request, reply) => {
      const { kind } = request.query;
      if (!kinds.includes(kind))
        throw problem.notFound(`no importer of kind '${kind}'; there are: ${kinds.join(', ')}`);
      const body = request.body as Buffer | undefined;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw new ApiError(400, 'validation_failed', 'The request is invalid', 'the body is a text/csv file', [
          { field: 'body', problem: 'is required' },
        ]);
      const principal = principalOf(request);
      const delivered = await deliverFile(aws, config, {
        organizationId: principal.organizationId,
        kind,
        fileName: request.query.fileName ?? null,
        requestedBy: principal.subject,
        body,
      });
      const location = `/v1/imports/${delivered.jobId}`;
      reply.code(202).header('location', location);
      return { jobId: delivered.jobId, status: 'accepted' as const, location };
    },
  );
};
