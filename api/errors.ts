import type { FastifyError, FastifyInstance } from 'fastify';
import { EventValidationError, type FieldProblem } from '../schemas/codec.ts';

/**
 * An error the API answers with: a status, a stable machine-readable code, a title, and
 * optionally what exactly was wrong. Sent as application/problem+json (RFC 9457).
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: readonly FieldProblem[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? title);
    this.name = 'ApiError';
  }
}

export const problem = {
  unauthorized: (detail: string) =>
    new ApiError(401, 'unauthorized', 'Authentication required', detail, undefined, {
      'www-authenticate': 'Bearer realm="tributary"',
    }),
  missingScope: (scope: string) =>
    new ApiError(403, 'missing_scope', 'Not allowed', `the token lacks the scope ${scope}`),
  notFound: (detail = 'no such resource') => new ApiError(404, 'not_found', 'Not found', detail),
  invalidEvent: (errors: readonly FieldProblem[]) =>
    new ApiError(
      400,
      'invalid_event',
      'The event does not match its schema',
      `${errors.length} field(s) are invalid`,
      errors,
    ),
  rateLimited: (retryAfterSeconds: number) =>
    new ApiError(429, 'rate_limited', 'Too many requests', `retry after ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  positionNotReached: (waitedMs: number) =>
    new ApiError(
      503,
      'position_not_reached',
      'Not caught up yet',
      `the read model did not reach the position within ${waitedMs} ms`,
      undefined,
      {
        'retry-after': '1',
      },
    ),
} as const;

/** The JSON Schema of every error body; routes reference it for their 4xx and 5xx responses. */
export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'problem'],
        properties: { field: { type: 'string' }, problem: { type: 'string' } },
      },
    },
  },
} as const;

export const problemResponses = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
  413: { $ref: 'Problem#' },
  429: { $ref: 'Problem#' },
  503: { $ref: 'Problem#' },
} as const;

/** One error handler for the whole API: every failure becomes problem+json with a stable code. */
export function registerProblemHandling(app: FastifyInstance): void {
  app.addSchema(PROBLEM_SCHEMA);

  app.setNotFoundHandler((request) => {
    throw problem.notFound(`no route ${request.method} ${request.url.split('?')[0]}`);
  });

  app.setErrorHandler((error: FastifyError | ApiError | EventValidationError, request, reply) => {
    const api = toApiError(error);
    if (api.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: api.code, status: api.statusCode }, api.detail ?? api.title);
    void reply
      .code(api.statusCode)
      .headers(api.headers)
      .type('application/problem+json')
      .send({
        type: `https://tributary.dev/problems/${api.code}`,
        title: api.title,
        status: api.statusCode,
        code: api.code,
        ...(api.detail ? { detail: api.detail } : {}),
        instance: request.id,
        ...(api.errors ? { errors: api.errors } : {}),
      });
  });
}

function toApiError(error: FastifyError | ApiError | EventValidationError): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EventValidationError) return problem.invalidEvent(error.issues);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fastifyError.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      const base = `${fastifyError.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`;
      if (missing) return { field: `${base}.${missing}`, problem: 'is required' };
      if (extra) return { field: `${base}.${extra}`, problem: 'is not allowed here' };
      const allowed = (v.params as { allowedValues?: unknown[] }).allowedValues;
      if (v.keyword === 'enum' && allowed) return { field: base, problem: `must be one of: ${allowed.join(', ')}` };
      return { field: base, problem: v.message ?? 'is invalid' };
    });
    return new ApiError(400, 'validation_failed', 'The request is invalid', `${errors.length} problem(s)`, errors);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'body_too_large', 'The request body is too large', fastifyError.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Unsupported media type', fastifyError.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'malformed_json', 'The body is not valid JSON', fastifyError.message);
  }
  if (fastifyError.statusCode && fastifyError.statusCode < 500) {
    return new ApiError(fastifyError.statusCode, 'bad_request', 'The request cannot be served', fastifyError.message);
  }
  return new ApiError(
    500,
    'internal_error',
    'Something went wrong on our side',
    'the error is logged with this request id',
  );
}
