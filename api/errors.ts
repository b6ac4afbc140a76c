import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import { TributaryError, type FieldProblem } from '../infra/errors.ts';
import { InvalidTokenError } from './auth/tokens.ts';

/**
 * An error only the API raises (a missing scope, an unknown resource, a rate limit): a
 * TributaryError built from its parts. Errors of the domain have classes of their own.
 */
export class ApiError extends TributaryError {
  override readonly name = 'ApiError';
  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    errors?: readonly FieldProblem[],
    headers: Readonly<Record<string, string>> = {},
  ) {
    super({
      status,
      code,
      title,
      headers,
      ...(detail !== undefined ? { detail } : {}),
      ...(errors !== undefined ? { errors } : {}),
    });
  }
}

export const problem = {
  /** No token, or not a valid one: the same 401 as a token that fails verification. */
  unauthorized: (detail: string) => new InvalidTokenError(detail),
  missingScope: (scope: string) =>
    new ApiError(403, 'missing_scope', 'Not allowed', `the token lacks the scope ${scope}`),
  notFound: (detail = 'no such resource') => new ApiError(404, 'not_found', 'Not found', detail),
  /** A `?after=` that is not a position token, or one this read model can never reach. */
  invalidPosition: (reason: string) =>
    new ApiError(
      400,
      'invalid_position',
      'The position cannot be waited for here',
      'pass the position a command returned, to a read of a model that reads its topics',
      [{ field: 'querystring.after', problem: reason }],
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

/** Every error body (RFC 9457 problem+json); routes reference it for their 4xx and 5xx responses. */
export const PROBLEM_SCHEMA = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), problem: Type.String() }))),
  },
  { $id: 'Problem' },
);

export type Problem = Static<typeof PROBLEM_SCHEMA>;

/** A reference to the shared schema (added once by registerProblemHandling), typed as the body it describes. */
const problemRef = Type.Unsafe<Problem>(Type.Ref('Problem#'));

export const problemResponses = {
  400: problemRef,
  401: problemRef,
  403: problemRef,
  404: problemRef,
  413: problemRef,
  429: problemRef,
  503: problemRef,
} as const;

/** One error handler for the whole API: every failure becomes problem+json with a stable code. */
export function registerProblemHandling(app: FastifyInstance): void {
  app.addSchema(PROBLEM_SCHEMA);

  app.setNotFoundHandler((request) => {
    throw problem.notFound(`no route ${request.method} ${request.url.split('?')[0]}`);
  });

  app.setErrorHandler((error: FastifyError | TributaryError, request, reply) => {
    const known = toTributaryError(error);
    if (known.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: known.code, status: known.status }, known.detail ?? known.title);
    void reply
      .code(known.status)
      .headers(known.headers)
      .type('application/problem+json')
      .send({
        type: `https://tributary.dev/problems/${known.code}`,
        title: known.title,
        status: known.status,
        code: known.code,
        ...(known.detail ? { detail: known.detail } : {}),
        instance: request.id,
        ...(known.errors ? { errors: known.errors } : {}),
      });
  });
}

/** Ours say what they are; Fastify's own (validation, body parsing) are translated; anything else is our fault. */
function toTributaryError(error: FastifyError | TributaryError): TributaryError {
  if (error instanceof TributaryError) return error;
  if (error.validation) {
    const errors = error.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      const base = `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`;
      if (missing) return { field: `${base}.${missing}`, problem: 'is required' };
      if (extra) return { field: `${base}.${extra}`, problem: 'is not allowed here' };
      const allowed = (v.params as { allowedValues?: unknown[] }).allowedValues;
      if (v.keyword === 'enum' && allowed) return { field: base, problem: `must be one of: ${allowed.join(', ')}` };
      return { field: base, problem: v.message ?? 'is invalid' };
    });
    return new ApiError(400, 'validation_failed', 'The request is invalid', `${errors.length} problem(s)`, errors);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'body_too_large', 'The request body is too large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Unsupported media type', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'malformed_json', 'The body is not valid JSON', error.message);
  }
  if (error.statusCode && error.statusCode < 500) {
    return new ApiError(error.statusCode, 'bad_request', 'The request cannot be served', error.message);
  }
  return new ApiError(
    500,
    'internal_error',
    'Something went wrong on our side',
    'the error is logged with this request id',
  );
}
