import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactUrl } from './redact-url.ts';
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
  'authorization',
  '*.authorization',
];

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}

/**
 * Serializers for keys that may carry a URL: Fastify's request line (`req`, the same shape as its
 * own serializer) and any `url` field, with credentials in their query replaced (a websocket's
 * `?ticket=`, a pre-signed URL's signature). Pino's path redaction cannot reach inside a string.
 */
const SERIALIZERS = {
  req: (req: RequestLike) => ({
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
  url: (url: unknown) => (typeof url === 'string' ? redactUrl(url) : url),
};

/** The root logger's options, without its destination (tests give their own stream). */
export function loggerOptions(log: Config['log'], name = 'tributary', tee?: (line: string) => void): LoggerOptions {
  const pretty = log.format === 'pretty' || (log.format === 'auto' && process.stdout.isTTY === true);
  return {
    name,
    level: log.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: SERIALIZERS,
    // Every serialized line, redacted, also goes to `tee` (the log lake's shipper, when enabled).
    ...(tee
      ? {
          hooks: {
            streamWrite: (line: string) => {
              tee(line);
              return line;
            },
          },
        }
      : {}),
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}

/**
 * The root logger; everything else takes a child of it (Fastify included), so one
 * configuration decides level, format and redaction for the whole process.
 */
export function createRootLogger(log: Config['log'], name = 'tributary', tee?: (line: string) => void): Logger {
  return pino(loggerOptions(log, name, tee));
}
