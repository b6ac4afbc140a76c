import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ASSIGNMENT_FILE_PATTERN, headerProblem, wrongColumns } from '../../producers/groups/assignment-file.ts';
import { groupError } from '../../producers/groups/errors.ts';
import { principalOf } from '../auth/plugin.ts';
import { ApiError, problemRef } from '../errors.ts';
import { assignmentJobs, linksOf } from './assignment-jobs.ts';
import type { GroupsContext } from './context.ts';
import {
  AssignmentAccepted,
  AssignmentJobJson,
  AssignmentParams,
  AssignmentQuery,
  GROUPS_READ_SCOPE,
  GROUPS_WRITE_SCOPE,
} from './schemas.ts';

const CSV = 'text/csv';

/**
 * Bulk assignment files (seed 004) as background jobs of the imports platform. Under
 * `/v1/group-assignments`, not `/v1/groups/assignments`, which `/v1/groups/{groupId}` would also
 * match (a group named "assignments"). The CSV body parser lives in this plugin alone, which takes
 * nothing else: every other route of the API still answers 415 to a body that is not JSON.
 */
export const assignmentRoutes: FastifyPluginAsync<{ context: GroupsContext }> = async (instance, { context }) => {
  const { options, projection } = context;
  const { aws, config } = options;
  const jobs = assignmentJobs(options, projection);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const limit = { max: options.api.rateLimitPerMinute, timeWindow: 60_000 };
  app.removeAllContentTypeParsers();
  // Bytes, not text: the job id is the hash of the file as sent.
  app.addContentTypeParser(CSV, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/v1/group-assignments',
    {
      config: {
        scope: GROUPS_WRITE_SCOPE,
        rateLimit: limit,
        documentedBody: {
          content: {
            [CSV]: {
              schema: {
                type: 'string',
                pattern: ASSIGNMENT_FILE_PATTERN,
                description:
                  'A CSV file: the header names member_id, group_id and action (add or remove), in any order; one change per line.',
              },
            },
          },
        },
      },
      schema: {
        summary: 'Assign members to groups in bulk from a CSV file, as a background job',
        description:
          'The header is checked at once (400 `wrong_columns`); the file then runs as a background job: members not yet enrolled are enrolled partially, then added or removed. Poll `links.self` for status, progress and the summary; `links.report` has every rejected line. The same file again is the same job and changes nothing.',
        tags: ['groups'],
        querystring: AssignmentQuery,
        response: { 200: AssignmentJobJson, 202: AssignmentAccepted, 400: problemRef },
      },
    },
    async (request, reply) => {
      const body = request.body as Buffer | undefined;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw new ApiError(400, 'validation_failed', 'The request is invalid', 'the body is a text/csv file', [
          { field: 'body', problem: 'is required' },
        ]);
      const problem = headerProblem(body.subarray(0, 4096).toString('utf8'));
      if (problem) throw wrongColumns(problem);
      const { organizationId, subject } = principalOf(request);
      const assignmentId = await jobs.submit({
        organizationId,
        requestedBy: subject,
        fileName: request.query.fileName ?? null,
        body,
      });
      // The same file again: the job is done, the answer is its report (the platform would import nothing).
      const known = await jobs.view(organizationId, assignmentId);
      if (known?.status === 'completed') return known;
      const links = linksOf(assignmentId);
      reply.code(202).header('location', links.self);
      return { assignmentId, status: 'accepted' as const, links };
    },
  );

  app.get(
    '/v1/group-assignments/:assignmentId',
    {
      config: { scope: GROUPS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'An assignment job’s status and progress, and its summary once completed',
        tags: ['groups'],
        params: AssignmentParams,
        response: { 200: AssignmentJobJson, 400: problemRef, 404: problemRef },
      },
    },
    async (request) => {
      const { assignmentId } = request.params;
      const job = await jobs.view(principalOf(request).organizationId, assignmentId);
      if (!job) throw groupError.jobNotFound(assignmentId);
      return job;
    },
  );

  app.get(
    '/v1/group-assignments/:assignmentId/report',
    {
      config: { scope: GROUPS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'The report of an assignment job’s rejected lines (CSV: line_number, column, reason)',
        tags: ['groups'],
        params: AssignmentParams,
        response: { 200: Type.String(), 400: problemRef, 404: problemRef },
      },
    },
    async (request, reply) => {
      const { assignmentId } = request.params;
      const job = await jobs.importJob(principalOf(request).organizationId, assignmentId);
      if (!job) throw groupError.jobNotFound(assignmentId);
      const prefix = `s3://${config.imports.bucket}/`;
      const location = job.reportLocation;
      if (!location?.startsWith(prefix))
        throw groupError.noReport(
          assignmentId,
          location
            ? `it was written on the machine that ran the import: ${location}`
            : job.status === 'completed'
              ? 'no line was rejected'
              : `the job is ${job.status}`,
        );
      const object = await aws.s3.send(
        new GetObjectCommand({ Bucket: config.imports.bucket, Key: location.slice(prefix.length) }),
      );
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${assignmentId}.rejected.csv"`);
      // Streamed as S3 sends it: a report of a million rejected lines never sits in memory.
      return reply.send(object.Body as never);
    },
  );
};
