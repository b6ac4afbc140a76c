import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { AuthSettings } from '../../infra/config/index.ts';
import { mintToken } from '../auth/tokens.ts';
import { REALTIME_TOPICS } from '../realtime/protocol.ts';

interface DashboardOptions {
  /** Minting tokens from the page is for a developer's machine only (local and test environments). */
  readonly devTokens?: AuthSettings;
}

const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
const script = readFileSync(new URL('./dashboard.js', import.meta.url), 'utf8').replace(
  '/* REALTIME_TOPICS */ []',
  JSON.stringify(REALTIME_TOPICS),
);
if (!script.includes(REALTIME_TOPICS[0])) throw new Error('dashboard.js lost its REALTIME_TOPICS placeholder');

/** The live dashboard at `/`: its two files are public; everything it shows needs a token. */
export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(html),
  );
  app.get('/dashboard.js', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(script),
  );

  const devTokens = options.devTokens;
  if (!devTokens) return;
  app.post<{ Body: { organizationId: string; subject: string } }>(
    '/v1/dev/tokens',
    {
      config: { public: true },
      schema: {
        summary: 'Mint a development token (local and test environments only)',
        tags: ['development'],
        body: {
          type: 'object',
          required: ['organizationId', 'subject'],
          additionalProperties: false,
          properties: {
            organizationId: { type: 'string', minLength: 1, maxLength: 100 },
            subject: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
        response: { 201: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } } },
      },
    },
    async (request, reply) =>
      reply.code(201).send({
        token: await mintToken(devTokens, {
          organizationId: request.body.organizationId,
          subject: request.body.subject,
          scopes: ['events:publish', 'events:read', 'realtime:subscribe'],
          expiresIn: '1h',
        }),
      }),
  );
};
