import type { FastifyRequest } from 'fastify';
import { SCOPES, type Principal } from '../auth/principal.ts';
import type { Ticket, TicketVerifier } from '../auth/tickets.ts';
import type { TokenVerifier } from '../auth/tokens.ts';
import { ApiError, problem } from '../errors.ts';
import { PROTOCOL } from './protocol.ts';

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
 * Everything GET /v1/realtime checks before it upgrades, in this order: an allowed Origin (403), the `tributary.v1` subprotocol offered (400), a credential
 * (401: a ticket as `?ticket=` or subprotocol `ticket.<ticket>`, or a bearer token as subprotocol
 * `bearer.<jwt>`), the realtime scope (403), the connection cap (429), and last the ticket spent,
 * so an upgrade refused for another reason leaves it usable.
 */
export function upgradeCheck(options: UpgradeOptions): (request: FastifyRequest) => Promise<Principal> {
  return async (request) => {
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
