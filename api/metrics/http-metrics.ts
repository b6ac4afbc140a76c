import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

const NAME = 'tributary_http_request_duration_seconds';

/** The label for requests no route matched: their URLs are unbounded, so they share one series. */
export const UNMATCHED_ROUTE = 'unmatched';

function httpLatency(registry: Registry): Histogram<'route' | 'method' | 'status_class'> {
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Histogram<'route' | 'method' | 'status_class'>;
  return new Histogram({
    name: NAME,
    help: 'HTTP request latency by route pattern (never the raw URL), method and status class (2xx, 4xx, 5xx).',
    labelNames: ['route', 'method', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/**
 * Times every response by the route's pattern (`/v1/imports/:job`), so the number of series is
 * bounded by the routes and not by the ids in URLs.
 */
export function recordHttpLatency(app: FastifyInstance, registry: Registry): void {
  const histogram = httpLatency(registry);
  app.addHook('onResponse', async (request, reply) => {
    histogram.observe(
      {
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        method: request.method,
        status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      },
      reply.elapsedTime / 1000,
    );
  });
}
