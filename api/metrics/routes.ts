import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

interface MetricsOptions {
  readonly registry: Registry;
}

/** Prometheus metrics of this process: processors' lag, throughput, retries, dead letters, and Node's own. */
export const metricsRoutes: FastifyPluginAsync<MetricsOptions> = async (app, { registry }) => {
  if (!registry) throw new Error('metricsRoutes needs a prom-client registry');
  app.get('/metrics', { logLevel: 'warn', config: { public: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
};
