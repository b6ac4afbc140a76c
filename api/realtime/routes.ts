import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { RealtimeSettings } from '../../infra/config/index.ts';
import type { AuthSettings } from '../../infra/config/index.ts';
import { principalOf } from '../auth/plugin.ts';
import { SCOPES, type Principal } from '../auth/principal.ts';
import { InvalidTokenError, mintTicket, type TokenVerifier } from '../auth/tokens.ts';
import { ApiError, problem, problemResponses } from '../errors.ts';
import { RealtimeConnection } from './connection.ts';
import type { NotificationFeed } from './feed.ts';
import { PROTOCOL } from './protocol.ts';

interface RealtimeOptions {
  readonly feed: NotificationFeed;
  readonly verify: TokenVerifier;
  readonly auth: AuthSettings;
  readonly settings: RealtimeSettings;
}

const TICKET_PREFIX = 'ticket.';
const BEARER_PREFIX = 'bearer.';

declare module 'fastify' {
  interface FastifyRequest {
    realtimePrincipal?: Principal;
  }
}

/**
 * GET /v1/realtime upgrades to a websocket. Browsers cannot set Authorization on a websocket,
 * so the token travels as a subprotocol (`bearer.<jwt>` beside `tributary.v1`) or as a
 * short-lived ticket from POST /v1/realtime/tickets (`?ticket=` or `ticket.<jwt>`). The Origin
 * must be allowed; connections per token are capped; everything is checked before the upgrade.
 */
export const realtimeRoutes: FastifyPluginAsync<RealtimeOptions> = async (app, options) => {
  const { feed, verify, settings } = options;
  const open = new Map<string, number>();

  await app.register(websocket, {
    options: {
      maxPayload: 64 * 1024,
      handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
    },
  });

  app.post(
    '/v1/realtime/tickets',
    {
      config: { scope: SCOPES.subscribeRealtime },
      schema: {
        summary: 'A ticket to open the realtime websocket from a browser (valid 60 s)',
        tags: ['realtime'],
        response: {
          201: {
            type: 'object',
            required: ['ticket', 'expiresInSeconds'],
            properties: { ticket: { type: 'string' }, expiresInSeconds: { type: 'integer' } },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      return reply.code(201).send({ ticket: await mintTicket(options.auth, principal, 60), expiresInSeconds: 60 });
    },
  );

  const credential = (request: FastifyRequest): string | undefined => {
    const query = request.query as { ticket?: string };
    if (query.ticket) return query.ticket;
    const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const carried = protocols.find((p) => p.startsWith(BEARER_PREFIX) || p.startsWith(TICKET_PREFIX));
    return carried?.slice(carried.indexOf('.') + 1);
  };

  app.get(
    '/v1/realtime',
    {
      websocket: true,
      config: { public: true }, // authenticated below, from the subprotocol or ticket
      preValidation: async (request) => {
        const origin = request.headers.origin;
        if (origin !== undefined && !settings.allowedOrigins.includes(origin)) {
          throw new ApiError(
            403,
            'origin_not_allowed',
            'Not allowed',
            `origin ${origin} may not open the realtime socket`,
          );
        }
        const token = credential(request);
        if (!token)
          throw problem.unauthorized('send the token as the subprotocol bearer.<token>, or a ticket as ?ticket=');
        let principal: Principal;
        try {
          principal = await verify(token);
        } catch (error) {
          if (error instanceof InvalidTokenError) throw problem.unauthorized(error.message);
          throw error;
        }
        if (!principal.scopes.has(SCOPES.subscribeRealtime)) throw problem.missingScope(SCOPES.subscribeRealtime);
        const key = `${principal.organizationId}/${principal.subject}`;
        if ((open.get(key) ?? 0) >= settings.maxConnectionsPerToken) {
          throw new ApiError(
            429,
            'too_many_connections',
            'Too many connections',
            `at most ${settings.maxConnectionsPerToken} open connections per token`,
          );
        }
        request.realtimePrincipal = principal;
      },
    },
    (socket, request) => {
      const principal = request.realtimePrincipal!;
      const key = `${principal.organizationId}/${principal.subject}`;
      open.set(key, (open.get(key) ?? 0) + 1);
      new RealtimeConnection(
        socket,
        principal,
        feed,
        { maxBufferedBytes: settings.maxBufferedBytes, heartbeatMs: settings.heartbeatMs },
        request.log.child({ subject: principal.subject, organizationId: principal.organizationId }),
        () => open.set(key, (open.get(key) ?? 1) - 1),
      );
    },
  );
};
