import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import type { ScopeDeclaration } from '../auth/principal.ts';
import { CORRELATION_HEADER, MAX_CORRELATION_ID } from '../correlation.ts';
import { PROBLEM_MEDIA_TYPE, problemRef } from '../errors.ts';
import { nulFreeBody, nulFreeSchema } from './nul-free.ts';

/** What each error status means here, with the codes a client can branch on. */
const PROBLEMS: Readonly<Record<number, string>> = {
  400: 'The request is invalid: `validation_failed` (each field named), `malformed_json`, `invalid_event`, `invalid_position`',
  401: '`unauthorized`: no bearer token, or not a valid one',
  403: '`missing_scope`: the token lacks the scope this route needs',
  404: '`not_found`, also for another organization’s resources',
  413: '`body_too_large`',
  414: '`uri_too_long`: a path segment is longer than the server allows',
  415: '`unsupported_media_type`: send the body as application/json',
  429: '`rate_limited`: wait for Retry-After seconds',
  500: '`internal_error`, logged with the request id (`instance`)',
  503: 'Not available yet (e.g. `position_not_reached`): retry after Retry-After seconds',
};

const RETRY_AFTER = { type: 'integer', minimum: 0, description: 'Seconds to wait before trying again.' };

interface RouteConfig {
  readonly public?: boolean;
  readonly scope?: string;
  readonly rateLimit?: unknown;
  /** An event route's payload schema, shown in place of the loose one its body is validated with. */
  readonly documentedPayload?: Record<string, unknown>;
  /**
   * The body as the document shows it, when it says more than the validation schema: a rule the
   * handler checks itself, to answer with a clearer message than a schema validator's.
   */
  readonly documentedBody?: Record<string, unknown>;
}

type Responses = Record<string, unknown>;

/**
 * The OpenAPI document is derived from the routes as they are declared, in this one place: a
 * route's `config.public` and `config.scope` give its security, and the errors every route can
 * answer (401/403 when it needs a token, 413/415 when it takes a body, 429 when rate limited, 400
 * for a bad x-correlation-id, 500) are added to what it declares, all as problem+json.
 */
export function openapiOptions(
  scopes: readonly ScopeDeclaration[],
  tags: readonly { name: string; description: string }[],
) {
  return {
    openapi: {
      info: {
        title: 'Tributary API',
        version: '1',
        description: 'Commands, queries and ingest over the Tributary event backbone.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: `Scopes: ${scopes.map((scope) => `${scope.name} (${scope.doc})`).join('; ')}`,
          },
        },
      },
      tags: [...tags],
      security: [{ bearer: [] }],
    },
    // Shared schemas keep their $id as their name (components/schemas/Problem, not def-0).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transform: ({ schema, url, route }) => ({ schema: documented(schema ?? {}, route), url }),
  } satisfies FastifyDynamicSwaggerOptions;
}

/** The route's schema as the document shows it; the schema Fastify validates with is not changed. */
function documented(schema: FastifySchema, route: Pick<RouteOptions, 'config' | 'url'>): FastifySchema {
  const config = (route.config ?? {}) as RouteConfig;
  const declared = (schema.response ?? {}) as Responses;
  const statuses = new Set([
    400,
    500,
    ...Object.keys(declared)
      .map(Number)
      .filter((s) => s >= 400),
  ]);
  if (!config.public) statuses.add(401);
  if (config.scope) statuses.add(403);
  // A body the route parses itself (a CSV upload) is documented apart from the schema, and is
  // bounded and typed all the same.
  if (schema.body || config.documentedBody) [413, 415].forEach((s) => statuses.add(s));
  if (route.url.includes(':')) statuses.add(414);
  if (config.rateLimit) statuses.add(429);

  const response: Responses = { ...declared };
  for (const status of statuses) {
    const own = declared[status];
    // A 4xx/5xx with a body of its own (readiness' 503) is not a problem and keeps its type.
    if (own !== undefined && !isProblem(own)) continue;
    response[status] = problemResponse(status);
  }

  const scoped = config.scope ? `Needs a bearer token with the scope \`${config.scope}\`.` : undefined;
  return {
    ...schema,
    ...(scoped
      ? { description: [schema.description, scoped].filter(Boolean).join('\n\n'), 'x-scopes': [config.scope] }
      : {}),
    security: config.public ? [] : [{ bearer: [] }],
    headers: withCorrelationHeader(schema.headers),
    ...(schema.querystring ? { querystring: nulFreeSchema(schema.querystring) } : {}),
    ...(schema.params ? { params: nulFreeSchema(schema.params) } : {}),
    ...(schema.body ? { body: nulFreeBody(schema.body) } : {}),
    ...(config.documentedPayload && schema.body
      ? { body: nulFreeBody(withPayload(schema.body, config.documentedPayload)) }
      : {}),
    ...(config.documentedBody ? { body: nulFreeBody(config.documentedBody) } : {}),
    response,
  } as FastifySchema;
}

function isProblem(schema: unknown): boolean {
  return (schema as { $ref?: unknown }).$ref === 'Problem#';
}

function problemResponse(status: number) {
  const retry = status === 429 || status === 503;
  return {
    description: PROBLEMS[status] ?? 'A problem (RFC 9457)',
    ...(retry ? { headers: { 'retry-after': RETRY_AFTER } } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: problemRef } },
  };
}

function withCorrelationHeader(headers: unknown) {
  const base = (headers ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown> };
  return {
    ...base,
    type: 'object',
    properties: {
      ...base.properties,
      [CORRELATION_HEADER]: {
        type: 'string',
        pattern: `^[!-~]{1,${MAX_CORRELATION_ID}}$`,
        description: 'Names the request in every log line and in the events it causes; a new id when absent.',
      },
    },
  };
}

/** The body schema with every `payload` property replaced by the event type's own payload schema. */
function withPayload(body: unknown, payload: Record<string, unknown>): unknown {
  if (Array.isArray(body)) return body.map((item) => withPayload(item, payload));
  if (!body || typeof body !== 'object') return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => {
      if (key === 'properties' && value && typeof value === 'object' && 'payload' in value)
        return [key, { ...(value as object), payload }];
      return [key, withPayload(value, payload)];
    }),
  );
}
