import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { CheckResult } from '../infra/health/checks.ts';
import type { ProcessingReport } from '../infra/instances/processing.ts';
import type { Logger } from '../infra/logging/logger.ts';
import { healthRoutes, type InstanceRole } from './health/routes.ts';
import { recordHttpLatency } from './metrics/http-metrics.ts';
import { metricsRoutes } from './metrics/routes.ts';

export interface OpsDependencies {
  readonly logger: Logger;
  readonly readiness: () => Promise<CheckResult[]>;
  readonly instance: InstanceRole;
  readonly processing: () => Promise<ProcessingReport>;
  readonly metrics: Registry;
}

/**
 * The operations listener of a process without the API (`--role processors`): /metrics for
 * Prometheus and /health/live, /health/ready for probes, nothing else, so each instance can be
 * scraped and probed on its own. Built without listening, so tests use `inject()`.
 */
export async function buildOpsApp(deps: OpsDependencies) {
  const app = Fastify({ loggerInstance: deps.logger.child({ component: 'ops' }) as FastifyBaseLogger });
  recordHttpLatency(app, deps.metrics);
  await app.register(healthRoutes, {
    readiness: deps.readiness,
    instance: deps.instance,
    processing: deps.processing,
  });
  await app.register(metricsRoutes, { registry: deps.metrics });
  return app;
}

/** Listens on OPS_HOST:OPS_PORT (0: a free port) and returns the URL it took. */
export async function listenOps(settings: { host: string; port: number }, deps: OpsDependencies) {
  const app = await buildOpsApp(deps);
  try {
    return { app, url: await app.listen({ host: settings.host, port: settings.port }) };
  } catch (error) {
    await app.close();
    throw error;
  }
}
