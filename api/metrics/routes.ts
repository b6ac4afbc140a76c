import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

interface MetricsOptions {
  readonly registry: Registry;
}

/** Prometheus metrics of this process: processors' lag, throughput, retries, dead letters, and Node's own. */
export const metricsRoutes: FastifyPluginAsync<MetricsOptions> = async (app, { registry }) => {
  if (!registry) throw new Error('metricsRoutes needs a prom-client registry');
  const schema = {
    summary: 'Prometheus metrics of this process',
    tags: ['operations'],
    response: {
      200: { description: 'The text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
    },
  };
  app.get('/metrics', { logLevel: 'warn', config: { public: true }, schema }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
};
