import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ASSIGNMENT_FILE_PATTERN } from '../../producers/groups/assignment-file.ts';
import { runAssignment } from '../../producers/groups/assign.ts';
import { groupError } from '../../producers/groups/errors.ts';
import { assignmentJobOf, currentStateOf, knownGroups, type AssignmentJob } from '../../projections/groups/queries.ts';
import { principalOf } from '../auth/plugin.ts';
import { ApiError, problemRef } from '../errors.ts';
import { encodePosition } from '../positions.ts';
import { requesterOf, type GroupsContext } from './context.ts';
import {
  AssignmentAccepted,
  AssignmentJobJson,
  AssignmentParams,
  AssignmentQuery,
  GROUPS_READ_SCOPE,
  GROUPS_WRITE_SCOPE,
  ReadAfter,
} from './schemas.ts';

const CSV = 'text/csv';

/**
 * Bulk assignment files (seed 004) and their jobs. Under `/v1/group-assignments`, not
 * `/v1/groups/assignments`, which `/v1/groups/{groupId}` would also match (a group named
 * "assignments"), so that path's methods could not be told apart. The CSV body parser lives in this plugin alone,
 * which takes nothing else: every other route of the API still answers 415 to a body that is not JSON.
 */
export const assignmentRoutes: FastifyPluginAsync<{ context: GroupsContext }> = async (instance, { context }) => {
  const { options, projection, caughtUp } = context;
  const { publisher, pool, api, environment } = options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const limit = { max: api.rateLimitPerMinute, timeWindow: 60_000 };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(CSV, { parseAs: 'string' }, (_request, body, done) => done(null, body));

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
        summary: 'Assign members to groups in bulk from a CSV file',
        description:
          'The file is validated, planned against current memberships and applied: members not yet enrolled are enrolled partially, then added or removed; the report lists every rejected and skipped line. The same file again is the same job: 200 with its report, nothing changed.',
        tags: ['groups'],
        querystring: AssignmentQuery,
        body: { content: { [CSV]: { schema: Type.String() } } },
        response: { 200: AssignmentJobJson, 202: AssignmentAccepted, 400: problemRef },
      },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string')
        throw new ApiError(400, 'validation_failed', 'The request is invalid', 'the body is a text/csv file', [
          { field: 'body', problem: 'is required' },
        ]);
      const requester = requesterOf(request);
      const { organizationId } = requester;
      const outcome = await runAssignment(
        publisher,
        environment,
        requester,
        { text: request.body, sourceFile: request.query.fileName ?? null },
        {
          knownGroups: (ids) => knownGroups(pool, organizationId, ids, projection),
          currentState: (ids) => currentStateOf(pool, organizationId, ids, projection),
          jobDone: async (id) => (await assignmentJobOf(pool, organizationId, id, projection)) !== undefined,
        },
      );
      if (outcome.kind === 'done') {
        const job = await assignmentJobOf(pool, organizationId, outcome.assignmentId, projection);
        return jobJson(job!);
      }
      const { assignmentId, positions, completed } = outcome;
      reply.code(202);
      const { assignmentId: _, sourceFile: __, failures, skipped, ...counts } = completed;
      return {
        assignmentId,
        status: 'accepted' as const,
        position: encodePosition(positions),
        summary: { ...counts, failures: failures.map((f) => ({ ...f })), skipped: skipped.map((s) => ({ ...s })) },
      };
    },
  );

  app.get(
    '/v1/group-assignments/:assignmentId',
    {
      config: { scope: GROUPS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'An assignment job’s status and report',
        tags: ['groups'],
        params: AssignmentParams,
        querystring: Type.Object(ReadAfter, { additionalProperties: false }),
        response: { 200: AssignmentJobJson, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      const { assignmentId } = request.params;
      const job = await assignmentJobOf(pool, principalOf(request).organizationId, assignmentId, projection);
      if (!job) throw groupError.jobNotFound(assignmentId);
      return jobJson(job);
    },
  );
};

function jobJson(job: AssignmentJob) {
  return {
    assignmentId: job.assignmentId,
    status: 'completed' as const,
    sourceFile: job.sourceFile,
    requestedBy: job.requestedBy,
    completedAt: job.completedAt.toISOString(),
    summary: {
      ...job.summary,
      failures: job.summary.failures.map((failure) => ({ ...failure })),
      skipped: job.summary.skipped.map((skip) => ({ ...skip })),
    },
  };
}
