import { readFileSync } from 'node:fs';
import kafkajs, { Kafka, logLevel, type KafkaConfig, type logCreator, type Producer } from 'kafkajs';
import type { KafkaSettings } from '../config/index.ts';
import type { Logger } from '../logging/logger.ts';
import { kafkajsLogMethod } from './log-level.ts';
import { renewingProducer } from './renewing-producer.ts';

/**
 * The connection to the cluster that producers, consumers and admin clients are made from.
 * Code outside the seam names it by this type and never imports kafkajs itself.
 */
export type KafkaConnection = Kafka;

/**
 * Builds the kafkajs client from configuration: brokers, TLS, SASL (PLAIN, SCRAM), with
 * kafkajs's own log lines routed into our pino logger. kafkajs is imported only behind this
 * folder, the publisher and the consumer runtime (DESIGN.md: the seam that lets us swap it).
 */
export function createKafka(
  settings: KafkaSettings,
  logger: Logger,
  overrides: Partial<KafkaConfig> = {},
): KafkaConnection {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ssl:
      settings.ssl === false ? false : settings.ssl.caFile ? { ca: [readFileSync(settings.ssl.caFile, 'utf8')] } : true,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
    ...overrides,
  };
  if (settings.sasl) {
    const { mechanism, username, password } = settings.sasl;
    config.sasl = { mechanism, username, password } as KafkaConfig['sasl'];
  }
  return new Kafka(config);
}

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...rest } = log;
      const given =
        level === logLevel.ERROR
          ? 'error'
          : level === logLevel.WARN
            ? 'warn'
            : level === logLevel.INFO
              ? 'info'
              : 'debug';
      logger[kafkajsLogMethod(given, message, rest.error)](rest, message);
    };
}

/**
 * The producer every Tributary write goes through: idempotent (no duplicates from retries),
 * one request in flight (order kept), and the Java client's murmur2 partitioner, so a key lands
 * on the same partition whichever language's client published it.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  // A fresh producer id after a failed send: kafkajs would reuse its sequence numbers (renewing-producer.ts).
  return renewingProducer(() =>
    kafka.producer({
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    }),
  );
}
