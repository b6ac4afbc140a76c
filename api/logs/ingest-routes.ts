import { randomUUID } from 'node:crypto';
import { Type, type Static, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { FieldProblem } from '../../infra/errors.ts';
import { lakeEntryProblems } from '../../infra/lake/layout.ts';
import { LOG_TYPES } from '../../infra/lake/log-query.ts';
import type { EventOf, LogType } from '../../schemas/generated/events.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';
import { ApiError, problemResponses } from '../errors.ts';
import { ForeignOrganizationError } from '../events/organization.ts';
import { encodePosition } from '../positions.ts';

export const WRITE_LOGS_SCOPE = 'logs:write';
const MAX_ENTRIES = 1000;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** Seed 004: every message carries these, and the lake partitions by them. */
const PARTITION_FIELDS = ['organizationId', 'logType', 'environment'] as const;

const text = (max: number, description?: string) =>
  Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });

const Step = Type.Object(
  {
    action: text(200, 'What happened, e.g. received request.'),
    description: Type.String({ maxLength: 16_384, description: 'The log message of the step.' }),
    detail: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Supplementary details; non-strings are stored as JSON.',
      }),
    ),
    caller: Type.Optional(text(500, 'Where in the code it was logged.')),
    server: Type.Optional(text(200, "The entry's server when absent.")),
    success: Type.Boolean(),
    time: Type.Optional(Type.String({ format: 'date-time', description: "The entry's time when absent." })),
    transactionId: Type.Optional(text(200, "The entry's correlationId when absent.")),
    type: text(100, 'Kind of step, e.g. request.'),
  },
  { additionalProperties: false },
);

const Entry = Type.Object(
  {
    organizationId: Type.Optional(text(200, "Required, and the token's organization.")),
    logType: Type.Optional(
      Type.Union(
        LOG_TYPES.map((type) => Type.Literal(type)),
        { description: 'Required.' },
      ),
    ),
    environment: Type.Optional(text(100, 'Required, e.g. dev, hot, xat.')),
    server: text(200, 'The server or service that logged.'),
    level: Type.Optional(Type.Union(LEVELS.map((level) => Type.Literal(level)))),
    message: Type.Optional(Type.String({ maxLength: 16_384 })),
    occurredAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'When it was logged (its lake hour); now when absent.' }),
    ),
    correlationId: Type.Optional(text(200, "The request's transactionId; the HTTP request id when absent.")),
    eventId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'Your id, so a retried batch is recognisable: the lake keeps every record it is sent, a retry included, so keep the id across retries and deduplicate on event_id when querying.',
      }),
    ),
    events: Type.Optional(Type.Array(Step, { maxItems: 500, description: 'The timeline of server-side steps.' })),
  },
  { additionalProperties: false },
);
type Entry = Static<typeof Entry>;

/**
 * What the document shows: the partition fields required. The route validates them itself, so a
 * missing one is a 400 that names the entry and the field rather than a schema error.
 */
const DocumentedEntry = Type.Object(
  {
    ...Entry.properties,
    organizationId: text(200, "The token's organization."),
    logType: Type.Union(LOG_TYPES.map((type) => Type.Literal(type))),
    environment: text(100, 'e.g. dev, hot, xat.'),
  },
  { additionalProperties: false },
);

const Body = Type.Object(
  { entries: Type.Array(Entry, { minItems: 1, maxItems: MAX_ENTRIES }) },
  { additionalProperties: false },
);

const Accepted = Type.Object({
  accepted: Type.Integer(),
  eventIds: Type.Array(Type.String()),
  position: Type.String({ description: 'Where the entries landed (pass as ?after= where a read takes it).' }),
});

/** A batch in which some entry lacks what the lake partitions by. */
function missingPartitionFields(entries: readonly Entry[]): FieldProblem[] {
  return entries.flatMap((entry, index) =>
    PARTITION_FIELDS.filter((field) => entry[field] === undefined).map((field) => ({
      field: `body.entries[${index}].${field}`,
      problem: 'is required: the lake partitions every entry by organization, log type and environment',
    })),
  );
}

function logEntryOf(entry: Entry, requestId: string): EventOf<'LogEntry'> {
  const occurredAt = entry.occurredAt ? new Date(entry.occurredAt) : new Date();
  const correlationId = entry.correlationId ?? requestId;
  return {
    type: 'LogEntry',
    metadata: {
      eventId: entry.eventId ?? randomUUID(),
      occurredAt,
      organizationId: entry.organizationId!,
      environment: entry.environment!,
      correlationId,
      causationId: null,
      actor: null,
    },
    payload: {
      organizationId: entry.organizationId!,
      logType: entry.logType as unknown as LogType,
      environment: entry.environment!,
      server: entry.server,
      level: entry.level ?? null,
      message: entry.message ?? null,
      events: (entry.events ?? []).map((step) => ({
        action: step.action,
        description: step.description,
        detail: step.detail
          ? Object.fromEntries(
              Object.entries(step.detail).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
            )
          : null,
        caller: step.caller ?? null,
        server: step.server ?? entry.server,
        success: step.success,
        time: step.time ? new Date(step.time) : occurredAt,
        transactionId: step.transactionId ?? correlationId,
        type: step.type,
      })),
    },
  };
}

/**
 * `POST /v1/logs`: a batch of log entries from services in any language, the HTTP twin of the pino
 * transport. The whole batch is checked before anything is published: an entry without an
 * organization, a log type or an environment is 400 naming its index and field, one of another
 * organization than the token's is 403; then the entries are published together.
 */
export const logIngestRoutes: FastifyPluginAsync<SliceRouteOptions> = async (instance, options) => {
  const { publisher, api } = options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/logs',
    {
      config: {
        scope: WRITE_LOGS_SCOPE,
        rateLimit: { max: api.rateLimitPerMinute, timeWindow: 60_000 },
        documentedBody: {
          content: {
            'application/json': {
              schema: Type.Object(
                { entries: Type.Array(DocumentedEntry, { minItems: 1, maxItems: MAX_ENTRIES }) },
                { additionalProperties: false },
              ),
            },
          },
        },
      },
      schema: {
        summary: 'Ship a batch of log entries to the lake',
        description: `Up to ${MAX_ENTRIES} entries, each with organizationId (the token's), logType and environment, which the lake partitions by; answered once Kafka has them all.`,
        tags: ['logs'],
        body: Body,
        response: { 202: Accepted, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { entries } = request.body;
      const missing = missingPartitionFields(entries);
      if (missing.length > 0)
        throw new ApiError(
          400,
          'missing_partition_field',
          'A log entry lacks a partition field',
          `${missing.length} problem(s); the first: ${missing[0]!.field} ${missing[0]!.problem}`,
          missing,
        );
      const organizationId = principalOf(request).organizationId;
      const foreign = entries.flatMap((entry, index) =>
        entry.organizationId === organizationId
          ? []
          : [
              {
                field: `body.entries[${index}].organizationId`,
                problem: `must be ${JSON.stringify(organizationId)}, the token's organization (got ${JSON.stringify(entry.organizationId)})`,
              },
            ],
      );
      if (foreign.length > 0) throw new ForeignOrganizationError(organizationId, foreign);
      const events = entries.map((entry) => logEntryOf(entry, request.id));
      const unfit = events.flatMap((event, index) =>
        lakeEntryProblems(event).map(({ field, problem }) => ({
          field: `body.entries[${index}].${field.replace(/^(payload|metadata)\./, '')}`,
          problem,
        })),
      );
      if (unfit.length > 0)
        throw new ApiError(400, 'validation_failed', 'The request is invalid', `${unfit.length} problem(s)`, unfit);
      const positions = await publisher.publishBatch(events);
      reply.code(202);
      return {
        accepted: events.length,
        eventIds: events.map((event) => event.metadata.eventId),
        position: encodePosition(positions),
      };
    },
  );
};
