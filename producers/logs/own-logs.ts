import { pino } from 'pino';
import type { Config } from '../../infra/config/index.ts';
import { LogShipper } from './log-shipper.ts';

/**
 * The shipper of Tributary's own logs (LOG_SHIPPING_ENABLED), or nothing. It is made before the
 * root logger, whose every line it tees, and attached to the publisher once there is one: what is
 * logged while Kafka connects waits in its (bounded) buffer.
 */
export function ownLogShipper(config: Config): LogShipper | undefined {
  const { shipping } = config.lake;
  if (!shipping.enabled || !shipping.organizationId) return undefined;
  return new LogShipper({
    organizationId: shipping.organizationId,
    logType: shipping.logType,
    environment: config.environment,
    minLevel: pino.levels.values[shipping.level] ?? 30,
  });
}
