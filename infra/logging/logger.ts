import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.ts';

export type { Logger };

/**
 * Paths that may carry secrets anywhere in a log record. Fastify's request serializer puts
 * headers under req.headers; clients log their options under their own names.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.*.secretAccessKey',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'headers.authorization',
];

/**
 * The root logger; everything else takes a child of it (Fastify included), so one
 * configuration decides level, format and redaction for the whole process.
 */
export function createRootLogger(log: Config['log'], name = 'tributary'): Logger {
  const pretty = log.format === 'pretty' || (log.format === 'auto' && process.stdout.isTTY === true);
  return pino({
    name,
    level: log.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}
