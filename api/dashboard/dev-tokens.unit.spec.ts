import { describe, expect, it } from 'vitest';
import { devTokensServed } from './dev-tokens.ts';

describe('devTokensServed', () => {
  it('when the environment is local or test and the API listens on loopback, then the route is served', () => {
    expect(devTokensServed('local', '127.0.0.1')).toBe(true);
    expect(devTokensServed('test', 'localhost')).toBe(true);
    expect(devTokensServed('local', '::1')).toBe(true);
  });

  it('when the API listens on a real interface, even with the default environment, or the environment is deployed, then it is not', () => {
    expect(devTokensServed('local', '0.0.0.0')).toBe(false);
    expect(devTokensServed('local', '::')).toBe(false);
    expect(devTokensServed('local', '10.0.3.7')).toBe(false);
    expect(devTokensServed('production', '127.0.0.1')).toBe(false);
    expect(devTokensServed('staging', '127.0.0.1')).toBe(false);
  });
});
