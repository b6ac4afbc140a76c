import { SignJWT } from 'jose';
import { mintToken } from '../../../api/auth/tokens.ts';
import { ORGANIZATION_CLAIM } from '../../../api/auth/principal.ts';
import type { AuthSettings } from '../../../infra/config/index.ts';
import { scopesOf } from '../../../slices/index.ts';

/** A credential a real client or an attacker sends, and the 401 detail the API must answer it with. */
export interface BadToken {
  readonly name: string;
  readonly authorization: string;
  readonly detail: string;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The tokens every protected route must refuse: none at all, the wrong scheme, garbage, expired,
 * signed with another key, unsigned (`alg: none`), another HMAC strength, for another audience.
 * Each carries every scope there is and the organization asked for, so only the credential is wrong.
 */
export async function badTokens(auth: AuthSettings, organizationId: string): Promise<BadToken[]> {
  const scope = scopesOf()
    .map((s) => s.name)
    .join(' ');
  const claims = { [ORGANIZATION_CLAIM]: organizationId, scope };
  const now = Math.floor(Date.now() / 1000);
  const signed = (secret: string, alg = 'HS256', audience = auth.audience) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setSubject('mallory')
      .setIssuer(auth.issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
  const expired = await mintToken(auth, {
    organizationId,
    subject: 'mallory',
    scopes: scope.split(' '),
    expiresIn: '-10m',
  });
  const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
    ...claims,
    sub: 'mallory',
    iss: auth.issuer,
    aud: auth.audience,
    exp: now + 3600,
  })}.`;
  return [
    { name: 'no token', authorization: '', detail: 'send a bearer token: Authorization: Bearer <token>' },
    {
      name: 'basic scheme',
      authorization: 'Basic bWFsbG9yeTpodW50ZXIy',
      detail: 'send a bearer token: Authorization: Bearer <token>',
    },
    { name: 'garbage', authorization: 'Bearer not-a-token', detail: 'the token is malformed' },
    { name: 'expired', authorization: `Bearer ${expired}`, detail: 'the token has expired' },
    {
      name: 'forged (another key)',
      authorization: `Bearer ${await signed('a-key-the-attacker-made-up-of-32-bytes!')}`,
      detail: 'the token signature does not verify',
    },
    {
      name: 'alg none',
      authorization: `Bearer ${unsigned}`,
      detail: 'the token is not signed with the algorithm this API accepts',
    },
    {
      name: 'HS512 with the right secret',
      authorization: `Bearer ${await signed(auth.secret ?? 'x'.repeat(64), 'HS512')}`,
      detail: 'the token is not signed with the algorithm this API accepts',
    },
    {
      name: 'another audience',
      authorization: `Bearer ${await signed(auth.secret ?? 'x', 'HS256', 'another-api')}`,
      detail: `the token's aud claim is not acceptable (check_failed)`,
    },
  ];
}
