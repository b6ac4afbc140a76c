import type { Principal } from './principal.ts';

export interface CacheOptions {
  /** Most tokens remembered; the oldest remembered is forgotten first. */
  readonly max: number;
  readonly now?: () => number;
}

/**
 * Remembers what a verifier said of each token it accepted, until that token expires, so a
 * client sending the same bearer token on every request pays for one signature check, not one
 * per request (verification was a third of HTTP ingest's CPU). Only acceptances are remembered,
 * never refusals, and an entry is dropped at the token's own expiry, so the answer is the one a
 * fresh verification would give: JWTs cannot be revoked before they expire anyway.
 */
export function cachedVerifier<P extends Principal & { readonly expiresAt: Date }>(
  verify: (token: string) => Promise<P>,
  options: CacheOptions,
): (token: string) => Promise<P> {
  const now = options.now ?? Date.now;
  const accepted = new Map<string, P>();
  return async (token) => {
    const known = accepted.get(token);
    if (known) {
      if (known.expiresAt.getTime() > now()) return known;
      accepted.delete(token);
    }
    const principal = await verify(token);
    if (principal.expiresAt.getTime() > now()) {
      if (accepted.size >= options.max) accepted.delete(accepted.keys().next().value!);
      accepted.set(token, principal);
    }
    return principal;
  };
}
