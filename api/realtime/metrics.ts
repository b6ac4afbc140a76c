import { Counter, Gauge, type Registry } from 'prom-client';

/** The realtime websocket's metrics, in the process's one registry. */
export interface RealtimeMetrics {
  readonly connections: Gauge;
  readonly deliveries: Counter<'topic'>;
}

const CONNECTIONS = 'tributary_realtime_connections';
const DELIVERIES = 'tributary_realtime_deliveries_total';

/** Created once per registry: a test may build several apps over one. */
export function realtimeMetrics(registry: Registry): RealtimeMetrics {
  const connections =
    (registry.getSingleMetric(CONNECTIONS) as Gauge | undefined) ??
    new Gauge({ name: CONNECTIONS, help: 'Open realtime websocket connections.', registers: [registry] });
  const deliveries =
    (registry.getSingleMetric(DELIVERIES) as Counter<'topic'> | undefined) ??
    new Counter({
      name: DELIVERIES,
      help: 'Notifications sent to websocket clients, by realtime topic.',
      labelNames: ['topic'],
      registers: [registry],
    });
  return { connections, deliveries };
}
