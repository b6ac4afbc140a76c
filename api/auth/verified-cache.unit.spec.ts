import { describe, expect, it } from 'vitest';
import { cachedVerifier } from './verified-cache.ts';

const principal = (expiresAt: number) => ({
  subject: 'u',
  organizationId: 'o',
  scopes: new Set<string>(),
  expiresAt: new Date(expiresAt),
});

describe('cachedVerifier', () => {
  it('when the same token comes again before it expires, then it is verified once; after its expiry, it is verified again', async () => {
    let clock = 1_000;
    const calls: string[] = [];
    const verify = cachedVerifier(
      async (token: string) => {
        calls.push(token);
        if (clock >= 5_000) throw new Error('the token has expired');
        return principal(5_000);
      },
      { max: 10, now: () => clock },
    );
    await verify('a');
    await verify('a');
    expect(calls).toEqual(['a']);
    clock = 5_000;
    await expect(verify('a')).rejects.toThrow('the token has expired');
    expect(calls).toEqual(['a', 'a']);
  });

  it('when a token is refused, then the refusal is not remembered', async () => {
    let valid = false;
    const verify = cachedVerifier(
      async () => {
        if (!valid) throw new Error('the token signature does not verify');
        return principal(Date.now() + 60_000);
      },
      { max: 10 },
    );
    await expect(verify('t')).rejects.toThrow('signature');
    valid = true;
    await expect(verify('t')).resolves.toMatchObject({ subject: 'u' });
  });

  it('when more tokens than the bound are seen, then the oldest is forgotten first', async () => {
    const calls: string[] = [];
    const verify = cachedVerifier(
      async (token: string) => {
        calls.push(token);
        return principal(Date.now() + 60_000);
      },
      { max: 2 },
    );
    for (const token of ['a', 'b', 'c', 'b', 'a']) await verify(token);
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
