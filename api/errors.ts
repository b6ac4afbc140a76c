import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TributaryError, type FieldProblem } from '../infra/errors.ts';
import { InvalidTokenError } from './auth/tokens.ts';
import { validationProblems } from './validation-problems.ts';

/** The media type of every error body (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

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
  methodNotAllowed: (method: string, path: string, allowed: readonly string[]) =>
    new ApiError(
      405,
      'method_not_allowed',
      'Method not allowed',
      `${path} answers ${allowed.join(', ')}, not ${method}`,
      undefined,
      { allow: allowed.join(', ') },
    ),
  /** `accepted`: the media types the operation takes (application/json unless it documents others). */
  unsupportedMediaType: (given: string | undefined, accepted: readonly string[] = ['application/json']) =>
    new ApiError(
      415,
      'unsupported_media_type',
      'Unsupported media type',
      `send the body as ${accepted.join(' or ')}${given ? ` (got ${given.slice(0, 100)})` : ''}`,
    ),
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
export const problemRef = Type.Unsafe<Problem>(Type.Ref('Problem#'));

export const problemResponses = {
  400: problemRef,
  401: problemRef,
  403: problemRef,
  404: problemRef,
  413: problemRef,
  429: problemRef,
  503: problemRef,
} as const;

/** The methods a route can be declared with; HEAD comes with each GET. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const pathOf = (request: FastifyRequest) => request.url.split('?')[0] ?? '/';

/** One error handler for the whole API: every failure becomes problem+json with a stable code. */
export function registerProblemHandling(app: FastifyInstance): void {
  app.addSchema(PROBLEM_SCHEMA);

  // A path that exists with other methods is 405 with Allow (RFC 9110), not 404; decided on
  // arrival, before a body is read (a QUERY or PUT without a content type is still 405).
  app.addHook('onRequest', async (request) => {
    if (!request.is404) return;
    const path = pathOf(request);
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) throw problem.methodNotAllowed(request.method, path, allowed);
  });
  app.setNotFoundHandler((request) => {
    throw problem.notFound(`no route ${request.method} ${pathOf(request)}`);
  });

  app.setErrorHandler((error: FastifyError | TributaryError, request, reply) => {
    sendProblem(error, request, reply);
  });
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or error handler runs
 * (a path parameter longer than `maxParamLength` is 414, a URL that cannot be decoded 400).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(error, request, reply);
}

function sendProblem(error: FastifyError | TributaryError, request: FastifyRequest, reply: FastifyReply): void {
  const known = toTributaryError(error, request);
  // Only what nobody raised on purpose (a fault, a 500) is an error with its stack; a 503 we answer
  // deliberately (not caught up yet, a dependency away) is a warning; the caller's mistakes are info.
  if (known.status >= 500 && !(error instanceof TributaryError)) request.log.error({ err: error }, 'request failed');
  else if (known.status >= 500)
    request.log.warn({ code: known.code, status: known.status }, known.detail ?? known.title);
  else request.log.info({ code: known.code, status: known.status }, known.detail ?? known.title);
  void reply.code(known.status).headers(known.headers).type(PROBLEM_MEDIA_TYPE).send(problemBody(known, request.id));
}

function problemBody(known: TributaryError, instance: string): Problem {
  return {
    type: `https://tributary.dev/problems/${known.code}`,
    title: known.title,
    status: known.status,
    code: known.code,
    ...(known.detail ? { detail: known.detail } : {}),
    instance,
    ...(known.errors ? { errors: [...known.errors] } : {}),
  };
}

/**
 * The HTTP server's `clientError`: Node refuses these before Fastify sees a request (headers,
 * request line included, past the server's header size limit; a request that is not HTTP; one
 * too slow to arrive), so the answer is written to the socket here, as problem+json too.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError(
          431,
          'headers_too_large',
          'The request headers are too large',
          'the request line and headers together exceed the server limit',
        )
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ApiError(408, 'request_timeout', 'The request took too long to arrive', 'send it again, faster')
        : new ApiError(400, 'bad_request', 'The request cannot be served', 'it is not a valid HTTP/1.1 request');
  if (socket.writable) {
    const body = JSON.stringify(problemBody(known, randomUUID()));
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\n` +
        `Content-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** The media types an operation takes: those its documented body names (a CSV upload's), else JSON. */
function acceptedMediaTypes(request: FastifyRequest): readonly string[] {
  const content = (request.routeOptions.config as { documentedBody?: { content?: Record<string, unknown> } })
    .documentedBody?.content;
  const types = content ? Object.keys(content) : [];
  return types.length > 0 ? types : ['application/json'];
}

/** Ours say what they are; Fastify's own (validation, body parsing, routing) are translated; anything else is our fault. */
function toTributaryError(error: FastifyError | TributaryError, request: FastifyRequest): TributaryError {
  if (error instanceof TributaryError) return error;
  if (error.validation) {
    const errors = validationProblems(error.validationContext ?? 'body', error.validation);
    return new ApiError(400, 'validation_failed', 'The request is invalid', `${errors.length} problem(s)`, errors);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        413,
        'body_too_large',
        'The request body is too large',
        `the body is larger than this operation takes: at most ${request.routeOptions.bodyLimit} bytes${
          acceptedMediaTypes(request).includes('text/csv')
            ? ' (API_BODY_LIMIT_BYTES); put a larger file into the data-delivery bucket, or run `tributary import`'
            : ''
        }`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem.unsupportedMediaType(request.headers['content-type'], acceptedMediaTypes(request));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'malformed_json', 'The body is not valid JSON', error.message);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError(
        414,
        'uri_too_long',
        'The URL is too long',
        'a path segment is longer than the server allows',
      );
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
