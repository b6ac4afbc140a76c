import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { CheckResult } from '../../infra/health/checks.ts';
import { processingReady, type ProcessingReport } from '../../infra/instances/processing.ts';

/** What this process runs (`tributary start --role`), so a probe tells instances apart. */
export interface InstanceRole {
  readonly role: 'api' | 'processors' | 'all';
  readonly processors: readonly string[];
}

interface HealthOptions {
  readonly readiness: () => Promise<CheckResult[]>;
  readonly instance?: InstanceRole;
  /** The consumers this instance runs, their state and lag; absent in a process that runs none. */
  readonly processing?: () => Promise<ProcessingReport>;
}

const PartitionLag = Type.Object({ topic: Type.String(), partition: Type.Integer(), lag: Type.Integer() });

const Consumer = Type.Object({
  processor: Type.String(),
  running: Type.Boolean(),
  lag: Type.Integer(),
  partitions: Type.Array(PartitionLag),
});

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
  /** Records behind on every partition this instance holds; absent where it runs no consumer. */
  lag: Type.Optional(Type.Integer()),
  /** Each consumer (by its metrics name), running or crashed, with its lag per partition it holds. */
  consumers: Type.Optional(Type.Array(Consumer)),
  checks: Type.Array(Check),
});

/**
 * Liveness says the process answers; readiness says every dependency answers, each one by
 * name, and, where the instance runs processors, that they have all started and none has
 * crashed (the `processors` check). It is 503 until then, so a load balancer keeps traffic away
 * meanwhile. Lag is reported but never makes an instance unready: an instance that is behind is
 * the one that must keep consuming, and restarting or draining it would only put it further behind.
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
      const checks = [...(await options.readiness())];
      const processing = await options.processing?.();
      if (processing) checks.push(processorsCheck(processing));
      const ready = checks.every((check) => check.ok);
      const instance = options.instance
        ? { role: options.instance.role, processors: [...options.instance.processors] }
        : {};
      const consumers = processing
        ? {
            lag: processing.lag,
            consumers: processing.processors.map((p) => ({ ...p, partitions: [...p.partitions] })),
          }
        : {};
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'unready', ...instance, ...consumers, checks });
    },
  );
};

function processorsCheck(report: ProcessingReport): CheckResult {
  if (processingReady(report)) return { name: 'processors', ok: true, latencyMs: 0 };
  const crashed = report.processors.filter((p) => !p.running).map((p) => p.processor);
  const error = !report.started
    ? 'still starting'
    : `not running (their consumer crashed and was not restarted): ${crashed.join(', ')}`;
  return { name: 'processors', ok: false, latencyMs: 0, error };
}
