import type { Logger } from './logging/logger.ts';

export interface ShutdownStep {
  readonly name: string;
  run(): Promise<void>;
}

/**
 * On SIGINT or SIGTERM, runs the steps in order (stop taking work, finish and commit what is
 * in hand, close connections), then exits: 0 when every step finished, 1 otherwise. A second
 * signal while stopping exits at once.
 */
export function shutdownOnSignals(steps: readonly ShutdownStep[], logger: Logger): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    let failed = false;
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    logger.flush();
    process.exit(failed ? 1 : 0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
