import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { AuthSettings } from '../../infra/config/index.ts';
import { createTicketVerifier, mintTicket } from './tickets.ts';
import { createTokenVerifier, InvalidTokenError, mintToken, TICKET_TYPE } from './tokens.ts';

const hs: AuthSettings = {
  algorithm: 'HS256',
  secret: 'a-test-secret-that-is-long-enough-123',
  issuer: 'tributary',
  audience: 'tributary-api',
};

async function bearerPrincipal(expiresIn = '1h') {
  const verify = await createTokenVerifier(hs);
  const token = await mintToken(hs, {
    organizationId: 'org-1',
    subject: 'alice',
    scopes: ['events:publish', 'realtime:subscribe'],
    expiresIn,
  });
  return { token, principal: await verify(token) };
}

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return (error as Error).message;
}

describe('realtime tickets', () => {
  it('when a ticket is taken with a bearer token, then it verifies as a ticket of the same caller with only the realtime scope, an id, at most 60 s of life and the bearer token expiry', async () => {
    const { principal } = await bearerPrincipal();
    const minted = await mintTicket(hs, principal);
    const ticket = await (await createTicketVerifier(hs))(minted.ticket);

    expect(minted.expiresInSeconds).toBeLessThanOrEqual(60);
    expect(ticket.principal).toEqual({
      subject: 'alice',
      organizationId: 'org-1',
      scopes: new Set(['realtime:subscribe']),
      expiresAt: principal.expiresAt,
    });
    expect(ticket.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ticket.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(60_000);
    const another = await (await createTicketVerifier(hs))((await mintTicket(hs, principal)).ticket);
    expect(another.id).not.toBe(ticket.id);
  });

  it('when the bearer token expires in 20 s, then the ticket taken with it expires with it', async () => {
    const { principal } = await bearerPrincipal('20s');
    const minted = await mintTicket(hs, principal);
    expect(minted.expiresInSeconds).toBeLessThanOrEqual(20);
    const ticket = await (await createTicketVerifier(hs))(minted.ticket);
    expect(ticket.expiresAt.getTime()).toBeLessThanOrEqual(principal.expiresAt.getTime());
  });

  it('when a ticket is used as a bearer token, then it is refused; when a bearer token is used as a ticket, then it is refused', async () => {
    const { token, principal } = await bearerPrincipal();
    const { ticket } = await mintTicket(hs, principal);
    expect(await refusal((await createTokenVerifier(hs))(ticket))).toMatch(
      /a realtime ticket only opens the websocket/,
    );
    expect(await refusal((await createTicketVerifier(hs))(token))).toMatch(/not a bearer token/);
  });

  it('when a ticket has expired, or says it lives longer than 60 s, then it is refused', async () => {
    const { principal } = await bearerPrincipal();
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    const verify = await createTicketVerifier(hs);
    expect(await refusal(verify((await mintTicket(hs, principal, twoMinutesAgo)).ticket))).toMatch(/expired/);

    const now = Math.floor(Date.now() / 1000);
    const longLived = await new SignJWT({ org: 'org-1', scope: 'realtime:subscribe', session_exp: now + 3600 })
      .setProtectedHeader({ alg: 'HS256', typ: TICKET_TYPE })
      .setJti('forever')
      .setSubject('alice')
      .setIssuer('tributary')
      .setAudience('tributary-api:realtime-ticket')
      .setIssuedAt(now - 300)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(hs.secret));
    expect(await refusal(verify(longLived))).toMatch(/expired/);
  });
});
