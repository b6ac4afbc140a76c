import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { AuthSettings } from '../../infra/config/index.ts';
import { createTokenVerifier, InvalidTokenError, mintToken } from './tokens.ts';

const hs: AuthSettings = {
  algorithm: 'HS256',
  secret: 'a-test-secret-that-is-long-enough-123',
  issuer: 'tributary',
  audience: 'tributary-api',
};
const claims = { organizationId: 'org-1', subject: 'alice', scopes: ['events:read', 'events:publish'] };

const unsigned = (payload: object) =>
  `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

async function rejection(verify: (t: string) => Promise<unknown>, token: string): Promise<string> {
  const error = await verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return (error as Error).message;
}

describe('HS256 token verification', () => {
  it('when a token is minted with the shared secret, then it verifies into subject, organization and scopes', async () => {
    const verify = await createTokenVerifier(hs);
    const principal = await verify(await mintToken(hs, claims));
    expect(principal).toEqual({
      subject: 'alice',
      organizationId: 'org-1',
      scopes: new Set(['events:read', 'events:publish']),
      expiresAt: expect.any(Date),
    });
  });

  it('when the organization is not one key segment (a slash, a dot first, blank, over 200), then the token is refused, naming org', async () => {
    const verify = await createTokenVerifier(hs);
    // 'acme/transactions' named acme's delivery folder for transactions: an import into acme.
    for (const organizationId of ['acme/transactions', '../x', '', ' org', 'o'.repeat(201), 'a b'])
      expect(await rejection(verify, await mintToken(hs, { ...claims, organizationId })), organizationId).toContain(
        "org claim is not an organization id (1 to 200 letters, digits, '.', '_' or '-'",
      );
    expect((await verify(await mintToken(hs, { ...claims, organizationId: 'Acme_1.eu-west' }))).organizationId).toBe(
      'Acme_1.eu-west',
    );
  });

  it('when a token expires past the last date JavaScript holds, then it is refused, naming exp', async () => {
    const verify = await createTokenVerifier(hs);
    const far = await new SignJWT({ org: 'org-1', scope: '' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('alice')
      .setIssuer(hs.issuer)
      .setAudience(hs.audience)
      .setExpirationTime(8_640_000_001_795_423)
      .sign(Buffer.from(hs.secret!));
    expect(await rejection(verify, far)).toContain('exp claim is past the year 275000');
  });

  it('when the subject holds a control character or is longer than 255 characters, then the token is refused, naming sub', async () => {
    const verify = await createTokenVerifier(hs);
    for (const subject of ['ali\nce', 'x'.repeat(256), '   ', 'c1\u0085control'])
      expect(await rejection(verify, await mintToken(hs, { ...claims, subject }))).toContain(
        'sub claim is not a subject',
      );
    expect((await verify(await mintToken(hs, { ...claims, subject: 'auth0|5f7c ü/x' }))).subject).toBe(
      'auth0|5f7c ü/x',
    );
  });

  it('when a token is forged, expired, not yet valid, for another audience or issuer, or says alg none, then each is refused with its reason', async () => {
    const verify = await createTokenVerifier(hs);
    const now = Math.floor(Date.now() / 1000);
    const base = { org: 'org-1', sub: 'alice', iss: 'tributary', aud: 'tributary-api', exp: now + 600 };
    const sign = (payload: object, secret = hs.secret!) =>
      new SignJWT(payload as never).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

    expect(await rejection(verify, await sign(base, 'another-secret-that-is-long-enough-456'))).toBe(
      'the token signature does not verify',
    );
    expect(await rejection(verify, await sign({ ...base, exp: now - 60 }))).toBe('the token has expired');
    expect(await rejection(verify, await sign({ ...base, nbf: now + 600 }))).toMatch(/nbf/);
    expect(await rejection(verify, await sign({ ...base, aud: 'someone-else' }))).toMatch(/aud/);
    expect(await rejection(verify, await sign({ ...base, iss: 'evil' }))).toMatch(/iss/);
    expect(await rejection(verify, unsigned(base))).toBe('the token is not signed with the algorithm this API accepts');
    expect(await rejection(verify, await sign({ ...base, org: undefined }))).toMatch(/org/);
    expect(await rejection(verify, 'not.a.token')).toBe('the token is malformed');
  });
});

describe('RS256 and ES256 token verification', () => {
  it('when the API verifies RS256 with a public key file, then RS256 tokens pass and an HS256 token is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-keys-'));
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    writeFileSync(join(dir, 'public.pem'), await exportSPKI(publicKey));
    writeFileSync(join(dir, 'private.pem'), await exportPKCS8(privateKey));
    const rs: AuthSettings = {
      algorithm: 'RS256',
      publicKeyFile: join(dir, 'public.pem'),
      privateKeyFile: join(dir, 'private.pem'),
      issuer: 'tributary',
      audience: 'tributary-api',
    };
    const verify = await createTokenVerifier(rs);
    expect((await verify(await mintToken(rs, claims))).subject).toBe('alice');
    // The classic confusion attack: an HS256 token "signed" with something public.
    expect(await rejection(verify, await mintToken({ ...hs }, claims))).toBe(
      'the token is not signed with the algorithm this API accepts',
    );
  });

  it('when the API verifies ES256 with a JWKS file, then the key is chosen by kid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-jwks-'));
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(
      join(dir, 'jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }),
    );
    const verify = await createTokenVerifier({
      algorithm: 'ES256',
      jwksFile: join(dir, 'jwks.json'),
      issuer: 'tributary',
      audience: 'tributary-api',
    });
    const token = await new SignJWT({ org: 'org-2', scope: 'events:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('bob')
      .setIssuer('tributary')
      .setAudience('tributary-api')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verify(token)).toEqual({
      subject: 'bob',
      organizationId: 'org-2',
      scopes: new Set(['events:read']),
      expiresAt: expect.any(Date),
    });
  });
});
