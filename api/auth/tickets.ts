import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { AuthSettings } from '../../infra/config/index.ts';
import { ORGANIZATION_CLAIM, SCOPES, type Principal } from './principal.ts';
import {
  describeFailure,
  InvalidTokenError,
  signingKey,
  TICKET_TYPE,
  typeOf,
  verificationKey,
  type VerificationKey,
} from './tokens.ts';

/** How long a ticket may wait before it is used. */
export const TICKET_SECONDS = 60;

/** The expiry of the bearer token a ticket was taken with: the socket it opens lives no longer. */
const SESSION_EXPIRY_CLAIM = 'session_exp';

/**
 * A ticket is for one upgrade of the realtime websocket: `typ` TICKET_TYPE and an audience of its
 * own (so nothing that verifies bearer tokens accepts it), a `jti` the upgrade spends once, and
 * at most TICKET_SECONDS of life (less when the bearer token expires sooner).
 */
const ticketAudience = (settings: AuthSettings) => `${settings.audience}:realtime-ticket`;

export interface MintedTicket {
  readonly ticket: string;
  readonly expiresInSeconds: number;
}

/** A verified, not yet spent, ticket. */
export interface Ticket {
  /** The `jti`: the upgrade records it as spent, so a second upgrade with it is refused. */
  readonly id: string;
  /** When the ticket itself expires: until then its id must be remembered as spent. */
  readonly expiresAt: Date;
  /** The caller, with the expiry of the bearer token the ticket was taken with. */
  readonly principal: Principal;
}

export type TicketVerifier = (ticket: string) => Promise<Ticket>;

/** A ticket for the caller of a bearer-authenticated request, carrying only the realtime scope. */
export async function mintTicket(
  settings: AuthSettings,
  principal: Principal,
  now = new Date(),
): Promise<MintedTicket> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const sessionExpiry = Math.floor(principal.expiresAt.getTime() / 1000);
  const expiresAt = Math.min(nowSeconds + TICKET_SECONDS, sessionExpiry);
  const scopes = [...principal.scopes].filter((scope) => scope === SCOPES.subscribeRealtime);
  const ticket = await new SignJWT({
    [ORGANIZATION_CLAIM]: principal.organizationId,
    scope: scopes.join(' '),
    [SESSION_EXPIRY_CLAIM]: sessionExpiry,
  })
    .setProtectedHeader({ alg: settings.algorithm, typ: TICKET_TYPE })
    .setJti(randomUUID())
    .setSubject(principal.subject)
    .setIssuer(settings.issuer)
    .setAudience(ticketAudience(settings))
    .setIssuedAt(nowSeconds)
    .setNotBefore(nowSeconds)
    .setExpirationTime(expiresAt)
    .sign(await signingKey(settings));
  return { ticket, expiresInSeconds: Math.max(0, expiresAt - nowSeconds) };
}

/** Verifies tickets, and only tickets: a bearer token given as a ticket is refused with a reason that says so. */
export async function createTicketVerifier(settings: AuthSettings): Promise<TicketVerifier> {
  const key: VerificationKey = await verificationKey(settings);
  return async (ticket) => {
    if (typeOf(ticket) !== TICKET_TYPE)
      throw new InvalidTokenError('?ticket= takes a ticket from POST /v1/realtime/tickets, not a bearer token');
    try {
      const { payload } = await jwtVerify(ticket, key as never, {
        algorithms: [settings.algorithm],
        typ: TICKET_TYPE,
        issuer: settings.issuer,
        audience: ticketAudience(settings),
        requiredClaims: ['jti', 'sub', 'iat', 'exp', ORGANIZATION_CLAIM, SESSION_EXPIRY_CLAIM],
        maxTokenAge: TICKET_SECONDS,
        clockTolerance: 5,
      });
      const organizationId = payload[ORGANIZATION_CLAIM];
      const sessionExpiry = payload[SESSION_EXPIRY_CLAIM];
      if (typeof organizationId !== 'string' || organizationId === '' || typeof sessionExpiry !== 'number')
        throw new InvalidTokenError('the ticket is malformed');
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      return {
        id: payload.jti!,
        expiresAt: new Date(payload.exp! * 1000),
        principal: {
          subject: payload.sub!,
          organizationId,
          scopes: new Set(scope.split(' ').filter(Boolean)),
          expiresAt: new Date(sessionExpiry * 1000),
        },
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError(describeFailure(error).replace(/\btoken\b/, 'ticket'));
    }
  };
}
