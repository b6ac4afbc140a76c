import { Histogram, type Registry } from 'prom-client';

const NAME = 'tributary_publish_duration_seconds';

/**
 * How long a publish waits, from the call to every in-sync replica having the events (encoding,
 * lingering for a shared request and the broker's acknowledgement included), by topic. One per
 * registry: the API's routes and the processors' workers of one process share it.
 */
export function publishLatency(registry: Registry): Histogram<'topic'> {
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Histogram<'topic'>;
  return new Histogram({
    name: NAME,
    help: 'Time from a publish call to the acknowledgement of all its events (acks=all), by topic.',
    labelNames: ['topic'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
