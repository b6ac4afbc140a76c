import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldProblem } from '../infra/errors.ts';
import { ApiError } from './errors.ts';

const PROBLEM = 'contains the NUL character (U+0000), which no text field can hold';

/** What the document states for a path or query text: no U+0000. */
export const NUL_FREE = '^[^\\u0000]*$';
/**
 * Not blank, and free of U+0000: for a text a person reads (a name, a subject). `\\S` alone would
 * match U+0000 too, and then the document would promise what the NUL guard refuses.
 */
export const NOT_BLANK = '^\\s*[^\\s\\u0000][^\\u0000]*$';

/**
 * Refuses U+0000 in the path, the query and a JSON body (values and names), naming the field:
 * Postgres text cannot hold it, so a query carrying one failed as a 500 (schemathesis found
 * `?category=%00`), and an event carrying one would be accepted into Kafka and then fail every
 * projection of it. The document says so (`NUL_FREE`, api/openapi/nul-free.ts).
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const problems = [
      ...nulFields(request.params, 'params'),
      ...nulFields(request.query, 'querystring'),
      ...nulFields(request.body, 'body'),
    ];
    if (problems.length > 0)
      throw new ApiError(400, 'validation_failed', 'The request is invalid', `${problems.length} problem(s)`, problems);
  });
}

/** Every field of a parsed request part whose text (value or key) holds U+0000. */
export function nulFields(value: unknown, path: string): FieldProblem[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: path, problem: PROBLEM }] : [];
  // Buffers are files (CSV uploads), read and checked line by line by their importers.
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const field = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    return key.includes('\u0000') ? [{ field, problem: `its name ${PROBLEM}` }] : nulFields(inner, field);
  });
}
