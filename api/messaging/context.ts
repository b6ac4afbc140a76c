import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CommandContext, MessagingRules, Requester } from '../../producers/messaging/commands.ts';
import { checkBody } from '../../producers/messaging/commands.ts';
import type { Projection } from '../../projections/projection.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';

/** What the messaging routes share: the read model, seed 002's rules, and read-your-writes. */
export interface MessagingContext {
  readonly options: SliceRouteOptions;
  readonly projection: Projection;
  readonly rules: MessagingRules;
  readonly rateLimit: { readonly max: number; readonly timeWindow: number };
  /** Waits until the read model has applied `after` (a command's position), when given. */
  caughtUp(query: { after?: string; wait?: number }): Promise<void>;
  requester(request: FastifyRequest): Requester;
  command(request: FastifyRequest): CommandContext;
  /** Checks a message body before the schema does, so an empty or oversized one gets its own error. */
  checkBodyFirst(request: FastifyRequest): Promise<void>;
}

export function messagingContext(app: FastifyInstance, options: SliceRouteOptions): MessagingContext {
  const projection = options.projections.messaging;
  if (!projection) throw new Error('the messaging routes need the messaging projection');
  const { api, config } = options;
  const rules: MessagingRules = config.messaging;
  const requester = (request: FastifyRequest): Requester => {
    const principal = principalOf(request);
    return {
      organizationId: principal.organizationId,
      subject: principal.subject,
      scopes: principal.scopes,
      correlationId: request.id,
    };
  };
  return {
    options,
    projection,
    rules,
    rateLimit: { max: api.rateLimitPerMinute, timeWindow: 60_000 },
    async caughtUp(query) {
      if (query.after === undefined) return;
      await app.readPositions.waitFor(projection, query.after, Math.min(query.wait ?? api.readWaitMs, api.readWaitMs));
    },
    requester,
    command: (request) => ({
      publisher: options.publisher,
      environment: options.environment,
      requester: requester(request),
    }),
    async checkBodyFirst(request) {
      const body = (request.body as { body?: unknown } | undefined)?.body;
      if (typeof body === 'string') checkBody(body, rules.maxBodyBytes);
    },
  };
}
