import type { Config } from '../infra/config/index.ts';
import { createRootLogger, type Logger } from '../infra/logging/logger.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The logger of a one-shot command: the root logger (so the same redaction applies), at `warn`
 * unless the configuration asks for something quieter, since the command prints its own result.
 */
export function commandLogger(config: Config): Logger {
  const level = LEVELS.indexOf(config.log.level) > LEVELS.indexOf('warn') ? config.log.level : 'warn';
  return createRootLogger({ ...config.log, level });
}
