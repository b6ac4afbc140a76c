import Fastify, { LogController } from 'fastify';
import type { CheckResult } from '../infra/health/checks.ts';
import type { Logger } from '../infra/logging/logger.ts';
import { healthRoutes } from './health/routes.ts';
import { metricsRoutes } from './metrics/routes.ts';
import type { Registry } from 'prom-client';

export interface AppDependencies {
  readonly logger: Logger;
  readonly readiness: () => Promise<CheckResult[]>;
  readonly metrics?: Registry;
}

/** Builds the API without listening, so tests drive it with `inject()`. */
export async function buildApp(deps: AppDependencies) {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }),
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    bodyLimit: 1024 * 1024,
    // A caller's correlation id is kept (and logged on every line of the request); otherwise one is made.
    requestIdHeader: 'x-correlation-id',
    genReqId: () => crypto.randomUUID(),
  });
  await app.register(healthRoutes, { readiness: deps.readiness });
  if (deps.metrics) await app.register(metricsRoutes, { registry: deps.metrics });
  return app;
}
