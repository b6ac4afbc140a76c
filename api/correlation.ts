import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.ts';

export const CORRELATION_HEADER = 'x-correlation-id';
/** As long as the body's correlationId may be: the id is stored in every event a request causes. */
export const MAX_CORRELATION_ID = 200;
const VALID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_CORRELATION_ID}}$`);

function headerOf(request: Pick<IncomingMessage, 'headers'>): string | undefined {
  const value = request.headers[CORRELATION_HEADER];
  return Array.isArray(value) ? value[0] : value;
}

/** The request's id: the caller's correlation id when it is a valid one, otherwise a new UUID. */
export function correlationIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const given = headerOf(request);
  return given !== undefined && VALID.test(given) ? given : randomUUID();
}

/**
 * Refuses a caller's correlation id that is empty, longer than 200 characters or not printable
 * ASCII, before anything is logged under it, stored in an event or echoed.
 */
export function registerCorrelationCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const given = headerOf(request.raw);
    if (given === undefined || VALID.test(given)) return;
    throw new ApiError(400, 'validation_failed', 'The request is invalid', '1 problem(s)', [
      {
        field: `headers.${CORRELATION_HEADER}`,
        problem: `must be 1 to ${MAX_CORRELATION_ID} printable ASCII characters (got ${given.length})`,
      },
    ]);
  });
}
