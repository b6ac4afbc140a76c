import { isIP } from 'node:net';

const DEVELOPMENT_ENVIRONMENTS = new Set(['local', 'test']);

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Whether `POST /v1/dev/tokens` (which mints any organization's token without authentication)
 * is served: only in the local and test environments AND only when the API listens on loopback.
 * ENVIRONMENT defaults to `local` so that `npm start` works with no configuration; a service
 * deployed with no configuration but listening on a real interface (0.0.0.0, a pod IP) still
 * never serves the route, because nothing outside the machine could then have reached it anyway.
 */
export function devTokensServed(environment: string, host: string): boolean {
  return DEVELOPMENT_ENVIRONMENTS.has(environment) && isLoopback(host);
}
