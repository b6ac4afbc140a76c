import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { build } from 'esbuild';
import type { FastifyPluginAsync } from 'fastify';
import type { AuthSettings } from '../../infra/config/index.ts';
import { ORGANIZATION_ID_PATTERN } from '../../infra/organization-id.ts';
import type { RealtimeTopics } from '../../processors/realtime-relay/topics.ts';
import { SUBJECT_MAX_LENGTH, SUBJECT_PATTERN } from '../auth/principal.ts';
import { mintToken } from '../auth/tokens.ts';

interface DashboardOptions {
  /** The slices' realtime topics: the page lists them with their filter keys. */
  readonly topics: RealtimeTopics;
  /** Every declared scope: a development token carries them all. */
  readonly scopes: readonly string[];
  /** Minting tokens from the page is for a developer's machine only (local and test environments). */
  readonly devTokens?: AuthSettings;
}

const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
const PLACEHOLDER = '/* DASHBOARD_SETTINGS */ { topics: [], devTokens: false }';
const template = readFileSync(new URL('./dashboard.js', import.meta.url), 'utf8');
if (!template.includes(PLACEHOLDER)) throw new Error('dashboard.js lost its DASHBOARD_SETTINGS placeholder');

const UPLOAD_CLIENT = fileURLToPath(new URL('../uploads/client/upload-client.ts', import.meta.url));
let uploadClient: Promise<string> | undefined;

/**
 * The upload client for browsers, bundled from its TypeScript once per process (in milliseconds,
 * so there is no build step to forget). Its imports of the API's schemas are type-only and vanish.
 */
function uploadClientScript(): Promise<string> {
  uploadClient ??= build({
    entryPoints: [UPLOAD_CLIENT],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((result) => {
    const [output] = result.outputFiles;
    if (!output) throw new Error(`esbuild gave no output for ${UPLOAD_CLIENT}`);
    return output.text;
  });
  return uploadClient;
}

/** The live dashboard at `/`: its files are public; everything it shows needs a token. */
export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (instance, options) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const settings = {
    topics: options.topics.all.map((topic) => ({ name: topic.name, filterKeys: topic.filterKeys })),
    devTokens: options.devTokens !== undefined,
  };
  const script = template.replace(PLACEHOLDER, JSON.stringify(settings));
  // Built at registration, so a client that does not bundle fails the start, not a page later.
  const clientScript = await uploadClientScript();

  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(html),
  );
  app.get('/dashboard.js', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(script),
  );
  app.get('/upload-client.js', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(clientScript),
  );

  const devTokens = options.devTokens;
  if (!devTokens) return;
  app.post(
    '/v1/dev/tokens',
    {
      config: { public: true },
      schema: {
        summary: 'Mint a development token (local and test environments only)',
        tags: ['development'],
        body: Type.Object(
          {
            organizationId: Type.String({ pattern: ORGANIZATION_ID_PATTERN, maxLength: 200 }),
            // The rule the API checks every token's subject by: a token it would refuse is not minted.
            subject: Type.String({ pattern: SUBJECT_PATTERN, minLength: 1, maxLength: SUBJECT_MAX_LENGTH }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String() }) },
      },
    },
    async (request, reply) =>
      reply.code(201).send({
        token: await mintToken(devTokens, {
          organizationId: request.body.organizationId,
          subject: request.body.subject,
          scopes: [...options.scopes],
          expiresIn: '1h',
        }),
      }),
  );
};
