import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { problem } from '../errors.ts';
import type { Principal } from './principal.ts';
import type { TokenVerifier } from './tokens.ts';

/** A route as authentication sees it: what the 'every protected route refuses' test walks. */
export interface GuardedRoute {
  readonly method: string;
  readonly url: string;
  readonly public: boolean;
  readonly scope?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route added after authentication, with its scope. */
    readonly guardedRoutes: readonly GuardedRoute[];
  }
  interface FastifyRequest {
    /** The verified caller; set on every route that is not public. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** No token needed: health, docs, the dashboard's files. */
    public?: boolean;
    /** The scope a token must carry for this route; it must be a declared one (platform or slice). */
    scope?: string;
  }
}

/** The verified principal of an authenticated route (the hook guarantees it). */
export function principalOf(request: { principal?: Principal }): Principal {
  if (!request.principal) throw problem.unauthorized('no verified token on this request');
  return request.principal;
}

interface AuthOptions {
  readonly verify: TokenVerifier;
  /** Every declared scope: a route naming another is a mistake, refused when the route is added. */
  readonly scopes: readonly string[];
}

/**
 * Every route requires a bearer token unless it says `config: { public: true }`; a route's
 * `config.scope` must be among the token's scopes. The token itself is never logged.
 */
const authPlugin: FastifyPluginAsync<AuthOptions> = async (app, { verify, scopes }) => {
  if (typeof verify !== 'function') throw new Error('the auth plugin needs a token verifier');
  app.decorateRequest('principal', undefined);

  const guarded: GuardedRoute[] = [];
  app.decorate('guardedRoutes', guarded);
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { scope?: string; public?: boolean };
    if (config.scope !== undefined && !scopes.includes(config.scope))
      throw new Error(
        `route ${route.method} ${route.url} requires the undeclared scope ${config.scope}; declare it in its slice`,
      );
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || route.url.startsWith('/docs')) continue;
      guarded.push({
        method,
        url: route.url,
        public: config.public === true,
        ...(config.scope ? { scope: config.scope } : {}),
      });
    }
  });

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // Unknown routes (404) and public ones need no token; /docs is served by the swagger plugin.
    if (!request.routeOptions.url || config.public || request.routeOptions.url.startsWith('/docs')) return;
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match?.[1]) throw problem.unauthorized('send a bearer token: Authorization: Bearer <token>');
    request.principal = await verify(match[1]);
    if (config.scope && !request.principal.scopes.has(config.scope)) throw problem.missingScope(config.scope);
  });
};

export const authentication = fp(authPlugin, { name: 'tributary-auth' });
