import type { FastifyPluginAsync } from 'fastify';
import type { CheckResult } from '../../infra/health/checks.ts';

interface HealthOptions {
  readonly readiness: () => Promise<CheckResult[]>;
}

const checkSchema = {
  type: 'object',
  required: ['name', 'ok', 'latencyMs'],
  properties: {
    name: { type: 'string' },
    ok: { type: 'boolean' },
    latencyMs: { type: 'integer' },
    error: { type: 'string' },
  },
} as const;

const readySchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unready'] },
    checks: { type: 'array', items: checkSchema },
  },
} as const;

/**
 * Liveness says the process answers; readiness says every dependency answers, each one by
 * name, and is 503 until they all do, so a load balancer keeps traffic away meanwhile.
 */
export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, options) => {
  if (typeof options.readiness !== 'function') throw new Error('healthRoutes needs a readiness function');

  app.get(
    '/health/live',
    {
      logLevel: 'warn',
      config: { public: true },
      schema: {
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['live'] } } },
        },
      },
    },
    async () => ({ status: 'live' as const }),
  );

  app.get(
    '/health/ready',
    { logLevel: 'warn', config: { public: true }, schema: { response: { 200: readySchema, 503: readySchema } } },
    async (_request, reply) => {
      const checks = await options.readiness();
      const ready = checks.every((check) => check.ok);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
    },
  );
};
