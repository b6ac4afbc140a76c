import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { SCOPES, type Principal } from '../auth/principal.ts';
import type { Ticket, TicketVerifier } from '../auth/tickets.ts';
import type { TokenVerifier } from '../auth/tokens.ts';
import { ApiError, problem } from '../errors.ts';
import { CLOSE_CODES, PROTOCOL } from './protocol.ts';

const TICKET_PREFIX = 'ticket.';
const BEARER_PREFIX = 'bearer.';

export interface UpgradeOptions {
  readonly verify: TokenVerifier;
  readonly verifyTicket: TicketVerifier;
  /** Records a ticket as used, for every instance: false when it already was. */
  readonly spendTicket: (ticket: Ticket) => Promise<boolean>;
  readonly allowedOrigins: readonly string[];
  readonly maxConnectionsPerToken: number;
  readonly openConnections: (principal: Principal) => number;
}

/**
 * Everything GET /v1/realtime checks before it upgrades, in this order: a websocket upgrade
 * (426), an allowed Origin (403), the `tributary.v1` subprotocol offered (400), a credential
 * (401: a ticket as `?ticket=` or subprotocol `ticket.<ticket>`, or a bearer token as subprotocol
 * `bearer.<jwt>`), the realtime scope (403), the connection cap (429), and last the ticket spent,
 * so an upgrade refused for another reason leaves it usable.
 */
export function upgradeCheck(options: UpgradeOptions): (request: FastifyRequest) => Promise<Principal> {
  return async (request) => {
    if (!request.ws)
      throw new ApiError(
        426,
        'upgrade_required',
        'Upgrade required',
        `GET /v1/realtime only upgrades to a websocket with the subprotocol ${PROTOCOL}`,
        undefined,
        { upgrade: 'websocket' },
      );
    const origin = request.headers.origin;
    if (origin !== undefined && !options.allowedOrigins.includes(origin))
      throw new ApiError(403, 'origin_not_allowed', 'Not allowed', `origin ${origin} may not open the realtime socket`);
    const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!protocols.includes(PROTOCOL))
      throw new ApiError(
        400,
        'subprotocol_required',
        'Subprotocol required',
        `offer the websocket subprotocol ${PROTOCOL} (Sec-WebSocket-Protocol: ${PROTOCOL})`,
      );
    const ticketText = (request.query as { ticket?: string }).ticket || fromProtocols(protocols, TICKET_PREFIX);
    const bearer = fromProtocols(protocols, BEARER_PREFIX);
    const ticket = ticketText ? await options.verifyTicket(ticketText) : undefined;
    const principal = ticket?.principal ?? (bearer ? await options.verify(bearer) : undefined);
    if (!principal)
      throw problem.unauthorized(
        `send a bearer token as the subprotocol ${BEARER_PREFIX}<token>, or a ticket from POST /v1/realtime/tickets as ?ticket=`,
      );
    if (!principal.scopes.has(SCOPES.subscribeRealtime)) throw problem.missingScope(SCOPES.subscribeRealtime);
    if (options.openConnections(principal) >= options.maxConnectionsPerToken)
      throw new ApiError(
        429,
        'too_many_connections',
        'Too many connections',
        `at most ${options.maxConnectionsPerToken} open connections per token`,
      );
    if (ticket && !(await options.spendTicket(ticket)))
      throw problem.unauthorized('the ticket was already used: take a new one from POST /v1/realtime/tickets');
    return principal;
  };
}

function fromProtocols(protocols: readonly string[], prefix: string): string | undefined {
  return protocols.find((p) => p.startsWith(prefix))?.slice(prefix.length) || undefined;
}

const problemRef = (description: string) => Type.Ref('Problem#', { description });

/** The socket route as the OpenAPI document shows it: the upgrade, its credentials, frames and close codes. */
export const socketRouteSchema = {
  summary: 'The realtime websocket',
  description: [
    `Upgrades to a websocket (RFC 6455). Offer the subprotocol \`${PROTOCOL}\` (required; the server answers with it), and authenticate with one of:`,
    `- the subprotocol \`${BEARER_PREFIX}<jwt>\` beside it (a bearer token with the scope \`${SCOPES.subscribeRealtime}\`);`,
    `- a ticket from \`POST /v1/realtime/tickets\`, as \`?ticket=<ticket>\` (or the subprotocol \`${TICKET_PREFIX}<ticket>\`): it opens one socket, on any instance, within 60 s.`,
    '',
    'Frames are JSON text. Client: `subscribe` (topics, filters, resumeFrom), `unsubscribe`. Server: `ready`, `subscribed`, `unsubscribed`, `notification` (with its position), `refetch` (a resume position that cannot be honoured), `expiring` (the token expires in `inSeconds`), `error`.',
    '',
    `Close codes: ${CLOSE_CODES.map(({ code, doc }) => `${code} ${doc}`).join('; ')}.`,
  ].join('\n'),
  tags: ['realtime'],
  security: [],
  querystring: Type.Object({
    ticket: Type.Optional(
      Type.String({ description: 'A ticket from POST /v1/realtime/tickets (single use, 60 s); never a bearer token.' }),
    ),
  }),
  response: {
    101: Type.Null({ description: `Switching Protocols: the websocket is open, with the subprotocol ${PROTOCOL}.` }),
    400: problemRef(`\`subprotocol_required\`: ${PROTOCOL} was not offered.`),
    401: problemRef(
      '`unauthorized`: no credential, an invalid or expired token or ticket, a bearer token given as a ticket, or a ticket already used.',
    ),
    403: problemRef('`origin_not_allowed` (REALTIME_ALLOWED_ORIGINS) or `missing_scope` (realtime:subscribe).'),
    426: problemRef('`upgrade_required`: a plain GET, not a websocket upgrade.'),
    429: problemRef('`too_many_connections`: the token has REALTIME_MAX_CONNECTIONS_PER_TOKEN sockets open.'),
  },
};
