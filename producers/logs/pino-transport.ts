import build from 'pino-abstract-transport';
import { pino } from 'pino';
import { loadConfig } from '../../infra/config/index.ts';
import { createKafka } from '../../infra/kafka/client.ts';
import type { LogType } from '../../schemas/generated/events.ts';
import { createCodec } from '../../schemas/index.ts';
import { createPublisher } from '../publisher.ts';
import { LogShipper } from './log-shipper.ts';
import { LOG_TYPE_NAMES } from './pino-record.ts';

/** The transport's options: the three fields seed 004 partitions by are required. */
export interface LogTransportOptions {
  readonly organizationId: string;
  readonly logType: LogType;
  readonly environment: string;
  readonly server?: string;
  /** pino's level name below which nothing ships (default info). */
  readonly level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
}

/** Checks the options at start and fails loudly: a transport that silently ships nothing is worse than none. */
export function checkTransportOptions(options: Partial<LogTransportOptions> | undefined): LogTransportOptions {
  const missing = (['organizationId', 'logType', 'environment'] as const).filter(
    (name) => typeof options?.[name] !== 'string' || options[name] === '',
  );
  if (missing.length > 0)
    throw new Error(
      `the Tributary log transport needs ${missing.join(', ')} in its options: seed 004 partitions every entry by organization, log type and environment`,
    );
  if (!LOG_TYPE_NAMES.includes(options!.logType!))
    throw new Error(`the Tributary log transport's logType must be one of ${LOG_TYPE_NAMES.join(', ')}`);
  return options as LogTransportOptions;
}

/**
 * A pino transport (`pino.transport({ target: '<this file>', options })`): any Node service's
 * logs become LogEntry events on logs.entries, through the typed publisher. It runs in pino's
 * worker thread with a publisher of its own, configured like every Tributary process (KAFKA_*,
 * SCHEMA_REGISTRY_*); entries are published in batches and whatever is left is sent on close.
 */
export default async function tributaryLogTransport(raw: Partial<LogTransportOptions>) {
  const options = checkTransportOptions(raw);
  const { config } = await loadConfig();
  // The transport's own client logs only to stderr, never through itself.
  const quiet = pino({ level: 'warn' }, pino.destination(2));
  const kafka = createKafka(config.kafka, quiet);
  const publisher = createPublisher(kafka, createCodec(config.registry), quiet, config.publisher);
  const shipper = new LogShipper({
    organizationId: options.organizationId,
    logType: options.logType,
    environment: options.environment,
    ...(options.server ? { server: options.server } : {}),
    minLevel: pino.levels.values[options.level ?? 'info'] ?? 30,
  });
  shipper.attach(publisher);
  return build(
    async (source) => {
      for await (const record of source as AsyncIterable<Record<string, unknown>>) shipper.take(record);
    },
    {
      async close() {
        await shipper.close();
        await publisher.close();
      },
    },
  );
}
