import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsync } from 'fastify';
import Negotiator from 'negotiator';
import { LOG_ROW_COLUMNS, LOG_TYPES, MAX_QUERY_HOURS } from '../../infra/lake/log-query.ts';
import { logQueryEngineOf } from '../../infra/lake/log-engine.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';
import { ApiError, problemRef } from '../errors.ts';
import { logIngestRoutes } from './ingest-routes.ts';

const END_OF_9999 = Date.UTC(10000, 0, 1);

export const READ_LOGS_SCOPE = 'logs:read';
const MAX_ROWS = 10_000;
/** What a query answers in, the first when the caller does not say (no Accept, or any type). */
const ANSWER_TYPES = ['application/x-ndjson', 'text/csv'] as const;

const QueryBody = Type.Object(
  {
    environment: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'The environment the entries were logged in (default: this deployment’s).',
      }),
    ),
    logTypes: Type.Optional(
      Type.Array(Type.Union(LOG_TYPES.map((type) => Type.Literal(type))), { minItems: 1, uniqueItems: true }),
    ),
    from: Type.String({ format: 'date-time', description: 'The start of the range, inclusive.' }),
    hours: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_QUERY_HOURS,
        default: 1,
        description: 'How many hours from `from` the range covers (a range, not an end, so it can never be backwards).',
      }),
    ),
    transactionId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    success: Type.Optional(Type.Boolean({ description: 'false: only entries with a failed step; true: none failed.' })),
    text: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Words all found in the message or a step.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROWS, default: 1000 })),
  },
  { additionalProperties: false },
);

/** Structured queries over the organization's log partitions (seed 004's Athena searches). */
export const logRoutes: FastifyPluginAsync<SliceRouteOptions> = async (instance, options) => {
  const { config, aws, api } = options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const engine = logQueryEngineOf(config.lake, aws);
  await instance.register(logIngestRoutes, options);

  app.post(
    '/v1/logs/query',
    {
      config: { scope: READ_LOGS_SCOPE, rateLimit: { max: api.rateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Query the organization’s logs in the lake',
        description:
          'Reads only the partitions of the caller’s organization, the named types and the hours of the range. Answers JSON lines, one entry per line, or CSV with a header line (`Accept` decides, with its q-values; 406 when it takes neither), oldest first, at most `limit` rows: `x-lake-truncated: true` says more rows matched. `x-lake-engine` says what ran it (duckdb or athena), `x-lake-objects` how many files DuckDB read, `x-lake-scanned-bytes` what Athena scanned.',
        tags: ['logs'],
        body: QueryBody,
        response: {
          200: {
            description: 'The entries, one per line.',
            content: {
              'application/x-ndjson': { schema: { type: 'string' } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          400: problemRef,
          406: problemRef,
        },
      },
    },
    async (request, reply) => {
      // Decided before the query runs: a caller that takes neither type gets nothing to wait for.
      const answerType = answerTypeOf(request.headers.accept);
      const from = new Date(request.body.from);
      const end = from.getTime() + (request.body.hours ?? 1) * 3_600_000;
      // A timestamp past the year 9999 is not one SQL can cast (it was a 500); a range ending at
      // its very end stops a millisecond before (the end is exclusive, so no entry is missed).
      const to = new Date(Math.min(end, END_OF_9999 - 1));
      if (!(end <= END_OF_9999))
        throw new ApiError(400, 'validation_failed', 'The request is invalid', '1 problem(s)', [
          { field: 'body.hours', problem: `the range from ${request.body.from} would end after the year 9999` },
        ]);
      const { transactionId, success, text, logTypes } = request.body;
      const limit = request.body.limit ?? 1000;
      // One row more than asked for tells whether the answer is all there is.
      const result = await engine.structured({
        environment: request.body.environment ?? config.environment,
        organizationId: principalOf(request).organizationId,
        from,
        to,
        limit: limit + 1,
        ...(logTypes ? { logTypes } : {}),
        ...(transactionId !== undefined ? { transactionId } : {}),
        ...(success !== undefined ? { success } : {}),
        ...(text !== undefined ? { text } : {}),
      });
      reply.header('x-lake-engine', result.engine);
      if (result.engine === 'duckdb') reply.header('x-lake-objects', String(result.objects.length));
      if (result.scannedBytes !== undefined) reply.header('x-lake-scanned-bytes', String(result.scannedBytes));
      reply.header('x-lake-truncated', String(result.rows.length > limit));
      const rows = result.rows.slice(0, limit);
      if (answerType === 'text/csv') return reply.type('text/csv; charset=utf-8').send(csvOf(rows));
      return reply
        .type('application/x-ndjson')
        .send(rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : ''));
    },
  );
};

function answerTypeOf(accept: string | undefined): (typeof ANSWER_TYPES)[number] {
  if (accept === undefined || accept.trim() === '') return ANSWER_TYPES[0];
  const chosen = new Negotiator({ headers: { accept } }).mediaType([...ANSWER_TYPES]);
  if (chosen === undefined)
    throw new ApiError(
      406,
      'not_acceptable',
      'No answer in a type the caller takes',
      `Accept: ${accept} takes neither of the types this query answers in: ${ANSWER_TYPES.join(', ')}`,
    );
  return chosen as (typeof ANSWER_TYPES)[number];
}

/** The rows as CSV, always with the header line (an empty answer too), columns in LOG_ROW_COLUMNS's order. */
function csvOf(rows: readonly Record<string, unknown>[]): string {
  const columns = [...LOG_ROW_COLUMNS];
  const cells = rows.map((row) =>
    columns.map((c) => {
      const value = row[c];
      return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
    }),
  );
  // Log text is anyone's: a cell starting with = + - @ is escaped, so a spreadsheet never runs it.
  return stringify(cells, {
    header: true,
    columns,
    escape_formulas: true,
    cast: { boolean: (value) => String(value) },
  });
}
