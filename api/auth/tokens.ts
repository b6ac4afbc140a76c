import { createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  importPKCS8,
  importSPKI,
  jwtVerify,
  SignJWT,
  type JWTVerifyGetKey,
  type CryptoKey,
  type KeyObject,
} from 'jose';
import type { AuthSettings } from '../../infra/config/index.ts';
import { TributaryError } from '../../infra/errors.ts';
import { isOrganizationId, ORGANIZATION_ID_RULE } from '../../infra/organization-id.ts';
import { isSubject, ORGANIZATION_CLAIM, SUBJECT_MAX_LENGTH, type Principal } from './principal.ts';
import { cachedVerifier } from './verified-cache.ts';

/** Bearer tokens remembered once verified (until each expires): one API instance's callers at a time. */
const VERIFIED_TOKENS_CACHED = { max: 10_000 };

/** No token, or one that does not prove who the caller is: 401, with a reason safe to show. */
export class InvalidTokenError extends TributaryError {
  override readonly name = 'InvalidTokenError';
  constructor(reason: string) {
    super({
      status: 401,
      code: 'unauthorized',
      title: 'Authentication required',
      detail: reason,
      headers: { 'www-authenticate': 'Bearer realm="tributary"' },
    });
  }
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * The `typ` header of a realtime ticket (RFC 8725's explicit typing): the bearer verifier refuses
 * a token that says it, so a ticket never authenticates a REST call, nor mints another ticket.
 */
export const TICKET_TYPE = 'tributary-realtime-ticket+jwt';

export type VerificationKey = Uint8Array | CryptoKey | KeyObject | JWTVerifyGetKey;

/**
 * Verifies bearer tokens: the configured algorithm only (a token saying `alg: none` or another
 * algorithm is refused before any key is tried), signature, `iss`, `aud`, `exp` and `nbf`,
 * and the claims Tributary needs: `sub`, `org`, `scope`. A realtime ticket is not a bearer token.
 */
export async function createTokenVerifier(settings: AuthSettings): Promise<TokenVerifier> {
  const key = await verificationKey(settings);
  return cachedVerifier(async (token) => {
    // Read unverified only to say why it is refused: a ticket's audience would fail below anyway.
    if (typeOf(token) === TICKET_TYPE)
      throw new InvalidTokenError('a realtime ticket only opens the websocket (GET /v1/realtime); send a bearer token');
    try {
      const { payload } = await jwtVerify(token, key as never, {
        algorithms: [settings.algorithm],
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['sub', 'exp', ORGANIZATION_CLAIM],
        clockTolerance: 5,
      });
      const organizationId = payload[ORGANIZATION_CLAIM];
      if (typeof organizationId !== 'string' || !isOrganizationId(organizationId))
        throw new InvalidTokenError(
          `the token's ${ORGANIZATION_CLAIM} claim is not an organization id (${ORGANIZATION_ID_RULE})`,
        );
      if (!isSubject(payload.sub!))
        throw new InvalidTokenError(
          `the token's sub claim is not a subject: 1 to ${SUBJECT_MAX_LENGTH} characters, not blank, no control character`,
        );
      // Past JavaScript's last date, expiresAt was Invalid Date: a ticket for it was a 500, and the
      // socket closed at once as expired (found by a stranger with a token minted for 99999999d).
      if (payload.exp! * 1000 > LAST_DATE_MS)
        throw new InvalidTokenError("the token's exp claim is past the year 275000: not a time this API keeps");
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      return {
        subject: payload.sub!,
        organizationId,
        scopes: new Set(scope.split(' ').filter(Boolean)),
        expiresAt: new Date(payload.exp! * 1000),
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError(describeFailure(error));
    }
  }, VERIFIED_TOKENS_CACHED);
}

/** The last instant a JavaScript Date holds (ECMAScript: 8.64e15 ms after 1970). */
const LAST_DATE_MS = 8.64e15;

/** A token's `typ` header, unverified; undefined when it has none or is not a JWS. */
export function typeOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).typ;
  } catch {
    return undefined;
  }
}

/** Why jose refused a token, in words safe to show the caller. */
export function describeFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not acceptable (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'the token is not signed with the algorithm this API accepts';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'the token is malformed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key matches the token';
  return 'the token is not valid';
}

export async function verificationKey(settings: AuthSettings): Promise<VerificationKey> {
  if (settings.algorithm === 'HS256') {
    if (!settings.secret) throw new Error('AUTH_JWT_SECRET is required for HS256');
    // A KeyObject, made once: given bytes, jose imports the key again on every verification.
    return createSecretKey(Buffer.from(settings.secret, 'utf8'));
  }
  if (settings.jwksFile) return createLocalJWKSet(JSON.parse(readFileSync(settings.jwksFile, 'utf8')));
  if (settings.publicKeyFile) return importSPKI(readFileSync(settings.publicKeyFile, 'utf8'), settings.algorithm);
  throw new Error(`AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWT_JWKS_FILE is required for ${settings.algorithm}`);
}

export interface TokenRequest {
  readonly subject: string;
  readonly organizationId: string;
  readonly scopes: readonly string[];
  /** Lifetime, e.g. `1h`, `15m` (jose's time span syntax). */
  readonly expiresIn?: string;
}

/** Mints a development token the API accepts (`tributary token`), signed with the configured key. */
export async function mintToken(settings: AuthSettings, request: TokenRequest): Promise<string> {
  return new SignJWT({ [ORGANIZATION_CLAIM]: request.organizationId, scope: request.scopes.join(' ') })
    .setProtectedHeader({ alg: settings.algorithm, typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(request.expiresIn ?? '1h')
    .sign(await signingKey(settings));
}

/** The key tokens and tickets are signed with: the HS256 secret, or the RS256/ES256 private key. */
export async function signingKey(settings: AuthSettings): Promise<Uint8Array | CryptoKey> {
  if (settings.algorithm === 'HS256') {
    if (!settings.secret) throw new Error('AUTH_JWT_SECRET is required to mint HS256 tokens');
    return new TextEncoder().encode(settings.secret);
  }
  if (!settings.privateKeyFile)
    throw new Error(`AUTH_JWT_PRIVATE_KEY_FILE is required to mint ${settings.algorithm} tokens`);
  return importPKCS8(readFileSync(settings.privateKeyFile, 'utf8'), settings.algorithm);
}
