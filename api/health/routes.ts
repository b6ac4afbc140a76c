import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { CheckResult } from '../../infra/health/checks.ts';

/** What this process runs (`tributary start --role`), so a probe tells instances apart. */
export interface InstanceRole {
  readonly role: 'api' | 'processors' | 'all';
  readonly processors: readonly string[];
}

interface HealthOptions {
  readonly readiness: () => Promise<CheckResult[]>;
  readonly instance?: InstanceRole;
}

const Check = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  latencyMs: Type.Integer(),
  error: Type.Optional(Type.String()),
});

const Readiness = Type.Object({
  status: Type.Enum(['ready', 'unready'], { type: 'string' }),
  /** Absent where the app is built without a role (tests' apps). */
  role: Type.Optional(Type.Enum(['api', 'processors', 'all'], { type: 'string' })),
  /** The projections, processors and workers this instance runs, by the names `start` prints. */
  processors: Type.Optional(Type.Array(Type.String())),
  checks: Type.Array(Check),
});

/**
 * Liveness says the process answers; readiness says every dependency answers, each one by
 * name, and is 503 until they all do, so a load balancer keeps traffic away meanwhile.
 */
export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (instance, options) => {
  if (typeof options.readiness !== 'function') throw new Error('healthRoutes needs a readiness function');
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/health/live',
    {
      logLevel: 'warn',
      config: { public: true },
      schema: { response: { 200: Type.Object({ status: Type.Enum(['live'], { type: 'string' }) }) } },
    },
    async () => ({ status: 'live' as const }),
  );

  app.get(
    '/health/ready',
    { logLevel: 'warn', config: { public: true }, schema: { response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      const checks = await options.readiness();
      const ready = checks.every((check) => check.ok);
      const instance = options.instance
        ? { role: options.instance.role, processors: [...options.instance.processors] }
        : {};
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', ...instance, checks });
    },
  );
};
