import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldProblem } from '../infra/errors.ts';
import { ApiError } from './errors.ts';

const PROBLEM = 'contains the NUL character (U+0000), which no text field can hold';
const SURROGATE_PROBLEM =
  'contains a lone surrogate (a \\uD800-\\uDFFF escape without its pair), which is not Unicode text';
/** In unicode mode a surrogate class matches only a surrogate that is not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;

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
 * projection of it. The document says so (`NUL_FREE`, api/openapi/nul-free.ts). A lone surrogate
 * (JSON's `"\ud800"`) is refused too: UTF-8 cannot encode it, so Avro and Postgres stored U+FFFD in
 * its place without a word.
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

/** Every field of a parsed request part whose text (value or key) holds U+0000 or a lone surrogate. */
export function nulFields(value: unknown, path: string): FieldProblem[] {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? [{ field: path, problem }] : [];
  }
  // Buffers are files (CSV uploads), read and checked line by line by their importers.
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const field = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    const problem = textProblem(key);
    return problem ? [{ field, problem: `its name ${problem}` }] : nulFields(inner, field);
  });
}

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return PROBLEM;
  if (LONE_SURROGATE.test(text)) return SURROGATE_PROBLEM;
  return undefined;
}
